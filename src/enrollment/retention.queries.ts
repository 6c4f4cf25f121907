import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Retention of enrollments (funder records, Löschkonzept): `offeringIds` is a sub-select of
 * the offerings whose retention is over (src/privacy/retention.queries.ts). Reminders of their
 * sessions go too; sessions come from the catalog's view `catalog_session_schedule`.
 */
export async function deleteEnrollmentsOfOfferings(trx: Db, offeringIds: Knex.QueryBuilder): Promise<number> {
  const sessions = trx('catalog_session_schedule').select('session_id').whereIn('offering_id', offeringIds.clone());
  await trx('session_reminders').whereIn('session_id', sessions).delete();
  return trx('enrollments').whereIn('offering_id', offeringIds.clone()).delete();
}

export function countEnrollmentsOfOfferings(db: Db, offeringIds: Knex.QueryBuilder): Knex.QueryBuilder {
  return db('enrollments').whereIn('offering_id', offeringIds.clone()).count('*');
}

/** People with an enrollment left: what is left is still under retention (expired ones are deleted). */
export function usersWithEnrollments(db: Db): Knex.QueryBuilder {
  return db('enrollments').select('user_id');
}
