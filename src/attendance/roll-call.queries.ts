import type { Knex } from 'knex';
import type { AttendanceStatus } from './attendance-rules';
import { nameSearch } from './attendance.queries';
import { berlinDayText, dayProofSql } from './participant-list.queries';

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
      ORDER BY u.last_name COLLATE german, u.first_name COLLATE german, u.id`,
    [sessionId],
  );
  return result.rows;
}

/**
 * One page of the roll call (people by German name order, optionally those whose name
 * matches `search`) and how many match in all, in one statement: the count row always
 * comes back, so a page past the end still tells the total. What was recorded and open
 * excuses are looked up for the page's people only.
 */
export type RollCallRow = Omit<RosterRow, 'department' | 'recorded_at'>;

export async function selectRosterPage(db: Db, sessionId: number, filter: { search?: string; limit: number; offset: number }): Promise<{ rows: RollCallRow[]; total: number }> {
  const search = filter.search ? nameSearch(filter.search) : undefined;
  const result = await db.raw<{ rows: (RollCallRow & { total: number })[] }>(
    `WITH matching AS (
       SELECT u.id AS user_id, u.first_name, u.last_name, org.name AS organisation_name
         FROM offering_sessions s
         JOIN enrollments e ON e.offering_id = s.offering_id AND e.status = 'confirmed'
         JOIN users u ON u.id = e.user_id
         LEFT JOIN organisations org ON org.id = u.organisation_id
        WHERE s.id = ?${search ? ` AND ${search.sql}` : ''}
     )
     SELECT counted.total, page.user_id, page.first_name, page.last_name, page.organisation_name, a.status,
            (SELECT x.id FROM excuses x WHERE x.session_id = ? AND x.user_id = page.user_id AND x.status = 'submitted' LIMIT 1) AS open_excuse_id
       FROM (SELECT count(*)::int AS total FROM matching) counted
       LEFT JOIN LATERAL (
         SELECT * FROM matching ORDER BY last_name COLLATE german, first_name COLLATE german, user_id LIMIT ? OFFSET ?
       ) page ON true
       LEFT JOIN attendance_records a ON a.session_id = ? AND a.user_id = page.user_id
      ORDER BY page.last_name COLLATE german, page.first_name COLLATE german, page.user_id`,
    [sessionId, ...(search?.bindings ?? []), sessionId, filter.limit, filter.offset, sessionId],
  );
  const total = result.rows[0]?.total ?? 0;
  return { rows: result.rows.filter((row) => row.user_id !== null).map(({ total: _total, ...row }) => row), total };
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

/** People among `userIds` without a confirmed seat in the offering (the enrollment domain's `confirmed_seats` view). */
export async function selectWithoutConfirmedSeat(db: Db, offeringId: number, userIds: number[]): Promise<number[]> {
  // bigint: an id typed into the form beyond int range is "not enrolled", not a database error.
  const result = await db.raw<{ rows: { user_id: string }[] }>(
    `SELECT i.user_id
       FROM unnest(?::bigint[]) AS i(user_id)
      WHERE NOT EXISTS (SELECT 1 FROM confirmed_seats cs WHERE cs.offering_id = ? AND cs.user_id = i.user_id)`,
    [userIds, offeringId],
  );
  return result.rows.map((row) => Number(row.user_id));
}

export type RollCallChange = { user_id: number; before: AttendanceStatus | null; after: AttendanceStatus };

/**
 * Writes a whole roll call in one statement: the statuses arrive as two arrays, only people
 * with a confirmed seat whose status differs are inserted or updated, and what changed comes
 * back with the status it replaced (for the audit entry). Unchanged rows keep their
 * recorded_at and recorded_by.
 */
export async function upsertRollCall(
  trx: Db,
  target: { sessionId: number; offeringId: number; recordedBy: number },
  statuses: { userId: number; status: AttendanceStatus }[],
): Promise<RollCallChange[]> {
  const result = await trx.raw<{ rows: RollCallChange[] }>(
    `WITH input AS (
       SELECT i.user_id, i.status FROM unnest(?::bigint[], ?::text[]) AS i(user_id, status)
     ), changes AS (
       SELECT cs.user_id, a.status AS before, input.status AS after
         FROM input
         JOIN confirmed_seats cs ON cs.offering_id = ? AND cs.user_id = input.user_id
         LEFT JOIN attendance_records a ON a.session_id = ? AND a.user_id = cs.user_id
        WHERE a.status IS DISTINCT FROM input.status
     ), written AS (
       INSERT INTO attendance_records (session_id, user_id, status, source, recorded_by, recorded_at)
       SELECT ?, user_id, after, 'roll_call', ?, now() FROM changes
       ON CONFLICT (session_id, user_id) DO UPDATE
          SET status = excluded.status, source = excluded.source, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
        WHERE attendance_records.status IS DISTINCT FROM excluded.status
       RETURNING user_id
     )
     SELECT c.user_id, c.before, c.after FROM changes c JOIN written w ON w.user_id = c.user_id ORDER BY c.user_id`,
    [statuses.map((row) => row.userId), statuses.map((row) => row.status), target.offeringId, target.sessionId, target.sessionId, target.recordedBy],
  );
  return result.rows;
}

export type StaffSession = { id: number; starts_at: Date; ends_at: Date; module_id: number | null; module_position: number | null; module_title: string | null; offering_id: number; offering_title: string; programme_title: string; berlin_day: string; day_proof: boolean };

export async function selectSessionsForStaff(db: Db, userId: number | null, from: Date): Promise<StaffSession[]> {
  const query = db('offering_sessions as s')
    .join('offerings as o', 'o.id', 's.offering_id')
    .join('programmes as p', 'p.id', 'o.programme_id')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .where('o.status', 'published')
    .where('s.ends_at', '>=', from)
    .select('s.id', 's.starts_at', 's.ends_at', 's.module_id', 'm.position as module_position', 'm.title as module_title', 'o.id as offering_id', 'o.title as offering_title', 'p.title as programme_title')
    .select(db.raw(`${berlinDayText('s')} AS berlin_day, ${dayProofSql('s')} AS day_proof`))
    .orderBy('s.starts_at')
    .limit(200);
  if (userId !== null) query.whereExists(db('session_trainers as st').select(db.raw('1')).whereRaw('st.session_id = s.id').where('st.user_id', userId));
  return query;
}
