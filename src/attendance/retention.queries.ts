import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Retention of the funder's proofs (Löschkonzept): attendance, excuses, check-in windows and
 * uploaded signed sheets (their bytes live in the row) of the sessions of `offeringIds`, a
 * sub-select of offerings whose retention is over. Sessions come from the catalog's view.
 */
const sessionsOf = (db: Db, offeringIds: Knex.QueryBuilder) => db('catalog_session_schedule').select('session_id').whereIn('offering_id', offeringIds.clone());

export async function deleteAttendanceOfOfferings(trx: Db, offeringIds: Knex.QueryBuilder): Promise<number> {
  const records = await trx('attendance_records').whereIn('session_id', sessionsOf(trx, offeringIds)).delete();
  const excuses = await trx('excuses').whereIn('session_id', sessionsOf(trx, offeringIds)).delete();
  const sheets = await trx('signed_sheets').whereIn('session_id', sessionsOf(trx, offeringIds)).delete();
  await trx('check_in_windows').whereIn('session_id', sessionsOf(trx, offeringIds)).delete();
  return records + excuses + sheets;
}

/** Attendance records, excuses and signed sheets the next run removes. */
export function countAttendanceOfOfferings(db: Db, offeringIds: Knex.QueryBuilder): Knex.QueryBuilder {
  return db.select(
    db.raw(
      '(SELECT count(*) FROM attendance_records WHERE session_id IN (?)) + (SELECT count(*) FROM excuses WHERE session_id IN (?)) + (SELECT count(*) FROM signed_sheets WHERE session_id IN (?))',
      [sessionsOf(db, offeringIds), sessionsOf(db, offeringIds), sessionsOf(db, offeringIds)],
    ),
  );
}

/** People with attendance or excuses left: still under retention (expired ones are deleted). */
export function usersWithAttendance(db: Db): Knex.QueryBuilder {
  return db('attendance_records').select('user_id').union((excuses) => excuses.select('user_id').from('excuses'));
}
