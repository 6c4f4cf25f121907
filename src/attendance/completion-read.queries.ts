import type { Knex } from 'knex';
import { ATTENDED_STATUSES } from './attendance-rules';

type Db = Knex | Knex.Transaction;

/** One person's attended modules: [module id, offering id, epoch milliseconds of the first session]. */
export type AttendedModulesRow = { user_id: number; modules: [number | null, number, number][] };

/**
 * What an offering's confirmed people attended, as the completion rules need it: per person
 * one entry per module with its first date (statuses that count, sessions begun by `moment`),
 * in any cohort of the programme for a series, otherwise in this offering. One row per person:
 * the modules as JSON with epoch milliseconds, because parsing thousands of timestamp cells
 * was a large part of the page's CPU. The people's ids as one array so their attendance is
 * read by the user_id index (a few dozen rows each), not by scanning every attendance row.
 */
export async function selectAttendedModulesOfConfirmed(db: Db, offering: { id: number; programme_id: number; kind: string }, moment: Date): Promise<AttendedModulesRow[]> {
  const scope = offering.kind === 'series' ? { sql: 'o.programme_id = ?', binding: offering.programme_id } : { sql: 's.offering_id = ?', binding: offering.id };
  const { rows } = await db.raw<{ rows: AttendedModulesRow[] }>(
    `SELECT m.user_id, json_agg(json_build_array(m.module_id, m.offering_id, m.first_ms)) AS modules
       FROM (SELECT a.user_id, s.module_id, min(s.offering_id) AS offering_id, floor(extract(epoch FROM min(s.starts_at)) * 1000)::bigint AS first_ms
               FROM attendance_records a
               JOIN offering_sessions s ON s.id = a.session_id
               JOIN offerings o ON o.id = s.offering_id
              WHERE a.user_id = ANY (ARRAY(SELECT cs.user_id FROM confirmed_seats cs WHERE cs.offering_id = ?))
                AND a.status = ANY(?::text[]) AND s.starts_at <= ? AND ${scope.sql}
              GROUP BY a.user_id, s.module_id) m
      GROUP BY m.user_id`,
    [offering.id, `{${ATTENDED_STATUSES.join(',')}}`, moment, scope.binding],
  );
  return rows;
}
