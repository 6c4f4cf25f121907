import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Whether any attendance record of the person exists. Attendance is the proof the funder
 * keeps for years, so a person with any record is anonymised by an admin (or by the retention
 * job), never automatically on request.
 */
export async function hasAttendanceRecords(db: Db, userId: number): Promise<boolean> {
  const row = await db('attendance_records').select(db.raw('1')).where('user_id', userId).first();
  return row !== undefined;
}

/** Excuses stay (an excused absence counts), their free-text reason goes. */
export async function eraseExcuseReasons(trx: Db, userId: number): Promise<void> {
  await trx('excuses').where('user_id', userId).update({ reason: '' });
}
