import type { Knex } from 'knex';
import type { AttendanceStatus } from './attendance-rules';

type Db = Knex | Knex.Transaction;

// The roll call: who is expected at a session, what was recorded, and the staff's list of sessions.

export type RosterRow = {
  user_id: number;
  first_name: string;
  last_name: string;
  organisation_name: string | null;
  department: string | null;
  status: AttendanceStatus | null;
  recorded_at: Date | null;
  open_excuse_id: number | null;
};

/** Confirmed participants of the session's offering with their attendance, by name. */
export async function selectRoster(db: Db, sessionId: number): Promise<RosterRow[]> {
  const result = await db.raw<{ rows: RosterRow[] }>(
    `SELECT u.id AS user_id, u.first_name, u.last_name, org.name AS organisation_name, u.department,
            a.status, a.recorded_at,
            (SELECT x.id FROM excuses x WHERE x.session_id = s.id AND x.user_id = u.id AND x.status = 'submitted' LIMIT 1) AS open_excuse_id
       FROM offering_sessions s
       JOIN enrollments e ON e.offering_id = s.offering_id AND e.status = 'confirmed'
       JOIN users u ON u.id = e.user_id
       LEFT JOIN organisations org ON org.id = u.organisation_id
       LEFT JOIN attendance_records a ON a.session_id = s.id AND a.user_id = u.id
      WHERE s.id = ?
      ORDER BY u.last_name, u.first_name, u.id`,
    [sessionId],
  );
  return result.rows;
}

export async function selectAttendance(db: Db, sessionId: number, userIds: number[]): Promise<Map<number, AttendanceStatus>> {
  const rows: { user_id: number; status: AttendanceStatus }[] = await db('attendance_records').select('user_id', 'status').where('session_id', sessionId).whereIn('user_id', userIds);
  return new Map(rows.map((row) => [row.user_id, row.status]));
}

export async function upsertAttendance(trx: Db, row: { session_id: number; user_id: number; status: AttendanceStatus; source: string; recorded_by: number }): Promise<void> {
  await trx('attendance_records')
    .insert({ ...row, recorded_at: trx.fn.now() })
    .onConflict(['session_id', 'user_id'])
    .merge(['status', 'source', 'recorded_by', 'recorded_at']);
}

export type StaffSession = { id: number; starts_at: Date; ends_at: Date; module_id: number | null; module_position: number | null; module_title: string | null; offering_id: number; offering_title: string; programme_title: string };

export async function selectSessionsForStaff(db: Db, userId: number | null, from: Date): Promise<StaffSession[]> {
  const query = db('offering_sessions as s')
    .join('offerings as o', 'o.id', 's.offering_id')
    .join('programmes as p', 'p.id', 'o.programme_id')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .where('o.status', 'published')
    .where('s.ends_at', '>=', from)
    .select('s.id', 's.starts_at', 's.ends_at', 's.module_id', 'm.position as module_position', 'm.title as module_title', 'o.id as offering_id', 'o.title as offering_title', 'p.title as programme_title')
    .orderBy('s.starts_at')
    .limit(200);
  if (userId !== null) query.whereExists(db('session_trainers as st').select(db.raw('1')).whereRaw('st.session_id = s.id').where('st.user_id', userId));
  return query;
}
