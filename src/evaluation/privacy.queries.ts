import type { Knex } from 'knex';
import { SUBJECT_COLUMNS } from './evaluations.queries';

type Db = Knex | Knex.Transaction;

/*
 * The evaluation domain's part of erasure, data export and the Löschkonzept (published by
 * ./erasure.ts, ./personal-data.ts and ./retention.ts). About a person there is only the yes/no
 * of open evaluations; the answers are about nobody and go by their offering's retention.
 */

/** Erasure: the person's yes/no rows go (open evaluations; closed ones have none left). */
export async function deleteParticipationOf(trx: Db, userId: number): Promise<number> {
  return trx('evaluation_participants').where({ user_id: userId }).delete();
}

export type PersonalEvaluation = {
  evaluation_id: number;
  scope: 'session' | 'module' | 'offering';
  closes_at: Date;
  has_answered: boolean;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  session_starts_at: Date | null;
};

/** Data export: the open evaluations the person is asked to answer and whether they have (never the answers: nothing links them). */
export async function selectPersonalEvaluations(db: Db, userId: number): Promise<PersonalEvaluation[]> {
  const result = await db.raw<{ rows: PersonalEvaluation[] }>(
    `SELECT ev.id AS evaluation_id, ev.scope, ev.closes_at, p.has_answered, ${SUBJECT_COLUMNS}
       FROM evaluation_participants p JOIN evaluations ev ON ev.id = p.evaluation_id
      WHERE p.user_id = :userId
      ORDER BY ev.closes_at, ev.id`,
    { userId },
  );
  return result.rows;
}

/**
 * Retention: the evaluations of offerings past the funder's retention (the same offerings whose
 * attendance goes), with their anonymous answers. `offerings` is a subquery of offering ids.
 */
export async function deleteEvaluationsOfOfferings(trx: Db, offerings: Knex.QueryBuilder): Promise<number> {
  const answers = await trx('evaluation_responses').whereIn('evaluation_id', trx('evaluations').select('id').whereIn('offering_id', offerings)).delete();
  await trx('evaluations').whereIn('offering_id', offerings).delete();
  return answers;
}

/** How many anonymous answers the next run removes. */
export function countAnswersOfOfferings(db: Db, offerings: Knex.QueryBuilder): Knex.QueryBuilder {
  return db('evaluation_responses').whereIn('evaluation_id', db('evaluations').select('id').whereIn('offering_id', offerings)).count('*');
}
