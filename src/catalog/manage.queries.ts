import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export const PROGRAMME_KINDS = ['series', 'workshop', 'event'] as const;
export type ProgrammeKind = (typeof PROGRAMME_KINDS)[number];
export const CERTIFICATE_KINDS = ['certificate', 'confirmation'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];
export const COMPLETION_RULES = ['all', 'min'] as const;
export type CompletionRule = (typeof COMPLETION_RULES)[number];
export const OFFERING_STATUSES = ['draft', 'published', 'cancelled'] as const;
export type OfferingStatus = (typeof OFFERING_STATUSES)[number];

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
];

export async function selectProgrammes(db: Db): Promise<ProgrammeListRow[]> {
  return db('programmes')
    .select(programmeColumns)
    .select(
      db.raw('(SELECT count(*) FROM modules WHERE modules.programme_id = programmes.id)::int AS module_count'),
      db.raw('(SELECT count(*) FROM offerings WHERE offerings.programme_id = programmes.id)::int AS offering_count'),
    )
    .orderBy([{ column: 'programmes.active', order: 'desc' }, { column: 'programmes.title' }, { column: 'programmes.id' }]);
}

/** Programmes for the offering form's select: id, title and kind only. */
export async function selectProgrammeChoices(db: Db): Promise<Pick<ProgrammeRow, 'id' | 'title' | 'kind' | 'active'>[]> {
  return db('programmes').select('id', 'title', 'kind', 'active').orderBy([{ column: 'title' }, { column: 'id' }]);
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

// ----- offerings -----

export type OfferingRow = {
  id: number;
  programme_id: number;
  title: string;
  description: string;
  capacity: number;
  registration_opens_at: Date;
  registration_closes_at: Date;
  cancellation_deadline: Date | null;
  location: string;
  requires_approval: boolean;
  status: OfferingStatus;
};

export type OfferingChanges = Omit<OfferingRow, 'id' | 'programme_id' | 'status'>;

export type OfferingListRow = OfferingRow & {
  programme_title: string;
  programme_kind: ProgrammeKind;
  first_session_at: Date | null;
  last_session_ends_at: Date | null;
  session_count: number;
};

const offeringColumns = [
  'offerings.id',
  'offerings.programme_id',
  'offerings.title',
  'offerings.description',
  'offerings.capacity',
  'offerings.registration_opens_at',
  'offerings.registration_closes_at',
  'offerings.cancellation_deadline',
  'offerings.location',
  'offerings.requires_approval',
  'offerings.status',
];

export type OfferingFilter = { programmeId?: number; status?: OfferingStatus };

export async function selectOfferings(db: Db, filter: OfferingFilter): Promise<OfferingListRow[]> {
  const bounds = db('offering_sessions')
    .select('offering_id')
    .min({ first_session_at: 'starts_at' })
    .max({ last_session_ends_at: 'ends_at' })
    .count({ session_count: '*' })
    .groupBy('offering_id')
    .as('bounds');
  const query = db('offerings')
    .join('programmes', 'programmes.id', 'offerings.programme_id')
    .leftJoin(bounds, 'bounds.offering_id', 'offerings.id')
    .select(offeringColumns)
    .select(
      'programmes.title as programme_title',
      'programmes.kind as programme_kind',
      'bounds.first_session_at',
      'bounds.last_session_ends_at',
      db.raw('coalesce(bounds.session_count, 0)::int AS session_count'),
    )
    // Undated drafts first (they need work), then the newest runs.
    .orderByRaw('bounds.first_session_at DESC NULLS FIRST, offerings.id DESC');
  if (filter.programmeId) query.where('offerings.programme_id', filter.programmeId);
  if (filter.status) query.where('offerings.status', filter.status);
  return query;
}

export async function findOffering(db: Db, id: number): Promise<OfferingRow | undefined> {
  return db('offerings').select(offeringColumns).where('offerings.id', id).first();
}

/** Locks the offering row: its sessions and registration window change one request at a time. */
export async function lockOffering(trx: Knex.Transaction, id: number): Promise<OfferingRow | undefined> {
  return trx('offerings').select(offeringColumns).where('offerings.id', id).forUpdate().first();
}

export async function insertOffering(db: Db, offering: OfferingChanges & { programme_id: number }): Promise<number> {
  const [row] = await db('offerings')
    .insert({ ...offering, status: 'draft' })
    .returning('id');
  return (row as { id: number }).id;
}

export async function updateOffering(db: Db, id: number, changes: OfferingChanges): Promise<void> {
  await db('offerings')
    .where('id', id)
    .update({ ...changes, updated_at: db.fn.now() });
}

export async function setOfferingStatus(db: Db, id: number, status: OfferingStatus): Promise<void> {
  await db('offerings').where('id', id).update({ status, updated_at: db.fn.now() });
}

/**
 * Confirmed seats of an offering. Read here only to explain a refused capacity change;
 * enrollments themselves are written by the enrollment domain.
 */
export async function countConfirmedEnrollments(db: Db, offeringId: number): Promise<number> {
  const row = await db('enrollments').count<{ count: number }[]>({ count: '*' }).where({ offering_id: offeringId, status: 'confirmed' }).first();
  return row?.count ?? 0;
}

// ----- sessions -----

export type SessionRow = {
  id: number;
  offering_id: number;
  module_id: number | null;
  starts_at: Date;
  ends_at: Date;
  location: string;
  online_url: string | null;
};

export type SessionChanges = Omit<SessionRow, 'id' | 'offering_id'>;

export type SessionListRow = SessionRow & { module_title: string | null; module_position: number | null };

export type SessionTrainerRow = { session_id: number; user_id: number; first_name: string; last_name: string };

const sessionColumns = [
  'offering_sessions.id',
  'offering_sessions.offering_id',
  'offering_sessions.module_id',
  'offering_sessions.starts_at',
  'offering_sessions.ends_at',
  'offering_sessions.location',
  'offering_sessions.online_url',
];

export async function selectSessions(db: Db, offeringId: number): Promise<SessionListRow[]> {
  return db('offering_sessions')
    .leftJoin('modules', 'modules.id', 'offering_sessions.module_id')
    .select(sessionColumns)
    .select('modules.title as module_title', 'modules.position as module_position')
    .where('offering_sessions.offering_id', offeringId)
    .orderBy([{ column: 'offering_sessions.starts_at' }, { column: 'offering_sessions.id' }]);
}

export async function findSession(db: Db, offeringId: number, sessionId: number): Promise<SessionRow | undefined> {
  return db('offering_sessions').select(sessionColumns).where({ 'offering_sessions.offering_id': offeringId, 'offering_sessions.id': sessionId }).first();
}

export async function selectTrainersOfSessions(db: Db, sessionIds: number[]): Promise<SessionTrainerRow[]> {
  if (sessionIds.length === 0) return [];
  return db('session_trainers')
    .join('users', 'users.id', 'session_trainers.user_id')
    .select('session_trainers.session_id', 'session_trainers.user_id', 'users.first_name', 'users.last_name')
    .whereIn('session_trainers.session_id', sessionIds)
    .orderBy([{ column: 'users.last_name' }, { column: 'users.first_name' }, { column: 'users.id' }]);
}

/** When the earliest session starts, optionally leaving one session out (the one being edited or deleted). */
export async function firstSessionStart(db: Db, offeringId: number, exceptSessionId?: number): Promise<Date | null> {
  const query = db('offering_sessions').min<{ first: Date | null }[]>({ first: 'starts_at' }).where('offering_id', offeringId);
  if (exceptSessionId) query.whereNot('id', exceptSessionId);
  const row = await query.first();
  return row?.first ?? null;
}

export async function countSessions(db: Db, offeringId: number): Promise<number> {
  const row = await db('offering_sessions').count<{ count: number }[]>({ count: '*' }).where('offering_id', offeringId).first();
  return row?.count ?? 0;
}

export async function insertSession(db: Db, offeringId: number, session: SessionChanges): Promise<number> {
  const [row] = await db('offering_sessions')
    .insert({ offering_id: offeringId, ...session })
    .returning('id');
  return (row as { id: number }).id;
}

export async function updateSession(db: Db, sessionId: number, changes: SessionChanges): Promise<void> {
  await db('offering_sessions')
    .where('id', sessionId)
    .update({ ...changes, updated_at: db.fn.now() });
}

export async function deleteSession(db: Db, sessionId: number): Promise<void> {
  await db('offering_sessions').where('id', sessionId).delete();
}

export async function selectTrainerIdsOfSession(db: Db, sessionId: number): Promise<number[]> {
  const rows: { user_id: number }[] = await db('session_trainers').select('user_id').where('session_id', sessionId).orderBy('user_id');
  return rows.map((row) => row.user_id);
}

export async function replaceSessionTrainers(trx: Knex.Transaction, sessionId: number, trainerIds: number[]): Promise<void> {
  await trx('session_trainers').where('session_id', sessionId).delete();
  if (trainerIds.length > 0) await trx('session_trainers').insert(trainerIds.map((userId) => ({ session_id: sessionId, user_id: userId })));
}

// ----- trainers -----

export type TrainerRow = { id: number; first_name: string; last_name: string; email: string };

/** People who can be booked for a session: active accounts with the trainer role. */
export async function selectTrainers(db: Db): Promise<TrainerRow[]> {
  return db('users')
    .select('id', 'first_name', 'last_name', 'email')
    .where({ role: 'trainer', active: true })
    .orderBy([{ column: 'last_name' }, { column: 'first_name' }, { column: 'id' }]);
}

export type TrainerBookingRow = {
  trainer_id: number;
  first_name: string;
  last_name: string;
  session_id: number;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
};

/**
 * Other sessions (of offerings that are not cancelled) in which any of these trainers is
 * booked and whose time overlaps [startsAt, endsAt).
 */
export async function selectOverlappingTrainerBookings(
  db: Db,
  trainerIds: number[],
  startsAt: Date,
  endsAt: Date,
  exceptSessionId: number,
): Promise<TrainerBookingRow[]> {
  if (trainerIds.length === 0) return [];
  return db('session_trainers')
    .join('offering_sessions', 'offering_sessions.id', 'session_trainers.session_id')
    .join('offerings', 'offerings.id', 'offering_sessions.offering_id')
    .join('programmes', 'programmes.id', 'offerings.programme_id')
    .join('users', 'users.id', 'session_trainers.user_id')
    .leftJoin('modules', 'modules.id', 'offering_sessions.module_id')
    .select(
      'session_trainers.user_id as trainer_id',
      'users.first_name',
      'users.last_name',
      'offering_sessions.id as session_id',
      'offerings.id as offering_id',
      'offerings.title as offering_title',
      'programmes.title as programme_title',
      'modules.title as module_title',
      'offering_sessions.starts_at',
      'offering_sessions.ends_at',
    )
    .whereIn('session_trainers.user_id', trainerIds)
    .whereNot('offering_sessions.id', exceptSessionId)
    .whereNot('offerings.status', 'cancelled')
    .where('offering_sessions.starts_at', '<', endsAt)
    .where('offering_sessions.ends_at', '>', startsAt)
    .orderBy([{ column: 'offering_sessions.starts_at' }, { column: 'users.last_name' }, { column: 'session_trainers.user_id' }]);
}
