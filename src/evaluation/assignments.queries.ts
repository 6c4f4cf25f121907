import type { Knex } from 'knex';
import type { AssignmentRow, Scope } from './assignments.model';

type Db = Knex | Knex.Transaction;
export type Target = { programmeId: number } | { offeringId: number };

export type ProgrammeOutline = { programme_id: number; kind: string; title: string };
export type OfferingOutline = { offering_id: number; programme_id: number; title: string };

const targetColumn = (target: Target) => ('programmeId' in target ? { column: 'programme_id', id: target.programmeId } : { column: 'offering_id', id: target.offeringId });

/** The programme as the catalog publishes it. */
export async function findProgramme(db: Db, programmeId: number): Promise<ProgrammeOutline | undefined> {
  return db('catalog_programme_outline').select('programme_id', 'kind', 'title').where('programme_id', programmeId).first();
}

/** The offering as the catalog publishes it (drafts and cancelled ones too). */
export async function findOffering(db: Db, offeringId: number): Promise<OfferingOutline | undefined> {
  return db('catalog_offering_titles').select('offering_id', 'programme_id', 'title').where('offering_id', offeringId).first();
}

/** The assignments of a programme and (optionally) one of its offerings, with their questionnaires' titles, in one statement. */
export async function selectAssignments(db: Db, programmeId: number, offeringId: number | null): Promise<{ programme?: AssignmentRow; offering?: AssignmentRow }> {
  const rows = (await db('evaluation_assignments as a')
    .leftJoin('questionnaires as q', 'q.id', 'a.questionnaire_id')
    .select('a.programme_id', 'a.offering_id', 'a.questionnaire_id', 'q.title as questionnaire_title', db.raw('q.archived_at IS NOT NULL AS questionnaire_archived'), 'a.scope', 'a.answer_days')
    .where('a.programme_id', programmeId)
    .modify((query) => {
      if (offeringId !== null) query.orWhere('a.offering_id', offeringId);
    })) as (AssignmentRow & { programme_id: number | null; offering_id: number | null })[];
  const strip = (row?: AssignmentRow & { programme_id: number | null; offering_id: number | null }): AssignmentRow | undefined =>
    row && { questionnaire_id: row.questionnaire_id, questionnaire_title: row.questionnaire_title, questionnaire_archived: row.questionnaire_archived, scope: row.scope, answer_days: row.answer_days };
  return { programme: strip(rows.find((row) => row.programme_id !== null)), offering: strip(rows.find((row) => row.offering_id !== null)) };
}

/** Questionnaires that may be chosen: the current ones, by title. */
export async function selectQuestionnaireChoices(db: Db): Promise<{ id: number; title: string }[]> {
  return db('questionnaires').select('id', 'title').whereNull('archived_at').orderByRaw('title COLLATE german, id');
}

/** The questionnaire to assign, locked against being archived in the same moment. */
export async function lockQuestionnaireForAssignment(trx: Knex.Transaction, id: number): Promise<{ id: number; archived_at: Date | null } | undefined> {
  return trx('questionnaires').select('id', 'archived_at').where('id', id).forShare().first();
}

/** Sets the assignment of a programme or an offering; one row per target (partial unique indexes). */
export async function upsertAssignment(trx: Knex.Transaction, target: Target, row: { questionnaire_id: number | null; scope: Scope; answer_days: number }): Promise<void> {
  const { column, id } = targetColumn(target);
  await trx.raw(
    `INSERT INTO evaluation_assignments (${column}, questionnaire_id, scope, answer_days) VALUES (?, ?, ?, ?)
     ON CONFLICT (${column}) WHERE ${column} IS NOT NULL
     DO UPDATE SET questionnaire_id = EXCLUDED.questionnaire_id, scope = EXCLUDED.scope, answer_days = EXCLUDED.answer_days`,
    [id, row.questionnaire_id, row.scope, row.answer_days],
  );
}

export async function deleteAssignment(trx: Knex.Transaction, target: Target): Promise<number> {
  const { column, id } = targetColumn(target);
  return trx('evaluation_assignments').where(column, id).delete();
}
