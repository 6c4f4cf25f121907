import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Enrollment's part of anonymising a person: the enrollments stay (the report figures count
 * them) but lose their free-text note; the personal calendar feed goes.
 */
export async function eraseEnrollmentTraces(trx: Db, userId: number): Promise<void> {
  await trx('enrollments').where('user_id', userId).whereNotNull('note').update({ note: null });
  await trx('calendar_feeds').where('user_id', userId).delete();
}
