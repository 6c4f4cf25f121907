import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalAttendance = { session_id: number; status: string; source: string; recorded_at: Date; starts_at: Date; offering_title: string; module_title: string | null };
export type PersonalExcuse = { id: number; session_id: number; reason: string; status: string; submitted_at: Date; decided_at: Date | null; starts_at: Date; offering_title: string };

/** Every attendance mark of the person with its session (data export). */
export async function selectPersonalAttendance(db: Db, userId: number): Promise<PersonalAttendance[]> {
  return db('attendance_records as a')
    .join('offering_sessions as s', 's.id', 'a.session_id')
    .join('offerings as o', 'o.id', 's.offering_id')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .select('a.session_id', 'a.status', 'a.source', 'a.recorded_at', 's.starts_at', 'o.title as offering_title', 'm.title as module_title')
    .where('a.user_id', userId)
    .orderBy([{ column: 's.starts_at' }, { column: 'a.session_id' }]);
}

/** Every excuse of the person, with the reason they gave (data export). */
export async function selectPersonalExcuses(db: Db, userId: number): Promise<PersonalExcuse[]> {
  return db('excuses as x')
    .join('offering_sessions as s', 's.id', 'x.session_id')
    .join('offerings as o', 'o.id', 's.offering_id')
    .select('x.id', 'x.session_id', 'x.reason', 'x.status', 'x.submitted_at', 'x.decided_at', 's.starts_at', 'o.title as offering_title')
    .where('x.user_id', userId)
    .orderBy([{ column: 'x.submitted_at' }, { column: 'x.id' }]);
}
