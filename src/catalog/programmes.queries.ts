import type { Knex } from 'knex';
import type { CertificateKind, CompletionRule, ProgrammeKind } from './catalog.model';

type Db = Knex | Knex.Transaction;

// ----- programmes -----

export type ProgrammeRow = {
  id: number;
  kind: ProgrammeKind;
  title: string;
  description: string;
  target_group: string;
  certificate_kind: CertificateKind;
  completion_rule: CompletionRule;
  completion_min_modules: number | null;
  active: boolean;
  /** As in the funding approval, for the participant lists; '' when not given. */
  funder_project_title: string;
};

export type ProgrammeListRow = ProgrammeRow & { module_count: number; offering_count: number };

export type ProgrammeChanges = Omit<ProgrammeRow, 'id'>;

const programmeColumns = [
  'programmes.id',
  'programmes.kind',
  'programmes.title',
  'programmes.description',
  'programmes.target_group',
  'programmes.certificate_kind',
  'programmes.completion_rule',
  'programmes.completion_min_modules',
  'programmes.active',
  'programmes.funder_project_title',
];

export async function selectProgrammes(db: Db): Promise<ProgrammeListRow[]> {
  return db('programmes')
    .select(programmeColumns)
    .select(
      db.raw('(SELECT count(*) FROM modules WHERE modules.programme_id = programmes.id)::int AS module_count'),
      db.raw('(SELECT count(*) FROM offerings WHERE offerings.programme_id = programmes.id)::int AS offering_count'),
    )
    .orderByRaw('programmes.active DESC, programmes.title COLLATE german, programmes.id');
}

/** Programmes for the offering form's select: id, title and kind only. */
export async function selectProgrammeChoices(db: Db): Promise<Pick<ProgrammeRow, 'id' | 'title' | 'kind' | 'active'>[]> {
  return db('programmes').select('id', 'title', 'kind', 'active').orderByRaw('title COLLATE german, id');
}

export async function findProgramme(db: Db, id: number): Promise<ProgrammeRow | undefined> {
  return db('programmes').select(programmeColumns).where('programmes.id', id).first();
}

/** Locks the programme row: module positions of one programme change one request at a time. */
export async function lockProgramme(trx: Knex.Transaction, id: number): Promise<ProgrammeRow | undefined> {
  return trx('programmes').select(programmeColumns).where('programmes.id', id).forUpdate().first();
}

export async function insertProgramme(db: Db, programme: ProgrammeChanges): Promise<number> {
  const [row] = await db('programmes').insert(programme).returning('id');
  return (row as { id: number }).id;
}

export async function updateProgramme(db: Db, id: number, changes: ProgrammeChanges): Promise<void> {
  await db('programmes')
    .where('id', id)
    .update({ ...changes, updated_at: db.fn.now() });
}

export async function countOfferingsOfProgramme(db: Db, programmeId: number): Promise<number> {
  const row = await db('offerings').count<{ count: number }[]>({ count: '*' }).where('programme_id', programmeId).first();
  return row?.count ?? 0;
}

// ----- modules -----

export type ModuleRow = { id: number; programme_id: number; position: number; title: string; description: string; teaching_units: number };
export type ModuleChanges = Pick<ModuleRow, 'title' | 'description' | 'teaching_units'>;

const moduleColumns = ['modules.id', 'modules.programme_id', 'modules.position', 'modules.title', 'modules.description', 'modules.teaching_units'];

export async function selectModules(db: Db, programmeId: number): Promise<ModuleRow[]> {
  return db('modules').select(moduleColumns).where('modules.programme_id', programmeId).orderBy('modules.position');
}

export async function findModule(db: Db, programmeId: number, moduleId: number): Promise<ModuleRow | undefined> {
  return db('modules').select(moduleColumns).where({ 'modules.programme_id': programmeId, 'modules.id': moduleId }).first();
}

export async function countModules(db: Db, programmeId: number): Promise<number> {
  const row = await db('modules').count<{ count: number }[]>({ count: '*' }).where('programme_id', programmeId).first();
  return row?.count ?? 0;
}

/** Appends a module after the last one (call with the programme row locked). */
export async function insertModule(trx: Knex.Transaction, programmeId: number, module: ModuleChanges): Promise<ModuleRow> {
  const [row] = await trx('modules')
    .insert({
      programme_id: programmeId,
      position: trx.raw('(SELECT coalesce(max(position), 0) + 1 FROM modules WHERE programme_id = ?)', [programmeId]),
      ...module,
    })
    .returning(['id', 'programme_id', 'position', 'title', 'description', 'teaching_units']);
  return row as ModuleRow;
}

export async function updateModule(db: Db, moduleId: number, changes: ModuleChanges): Promise<void> {
  await db('modules')
    .where('id', moduleId)
    .update({ ...changes, updated_at: db.fn.now() });
}

export async function setModulePosition(trx: Knex.Transaction, moduleId: number, position: number): Promise<void> {
  await trx('modules').where('id', moduleId).update({ position, updated_at: trx.fn.now() });
}
