import type { Knex } from 'knex';
import type { AttendanceStatus } from '../attendance/attendance-rules';
import { TIME_ZONE } from '../shared/format';
import { FRESH_SNAPSHOT_COLUMN, type StoredSnapshot } from './snapshots.queries';

type Db = Knex | Knex.Transaction;

/*
 * The coordinator's figures of a year and programme. They read only published read models
 * (migrations 20261212140000 and 20261212170000) and count as the funder report does
 * (reports.queries.ts): an offering of the period is a published one with a session that
 * starts in it; its participants are its confirmed seats. Every function is one statement,
 * whatever the number of people.
 */

export type DashboardPeriod = { from: Date; until: Date; programmeId: number | null };

/** A PostgreSQL array literal: Knex would spread a JS array into a list of parameters. */
const textArray = (values: readonly string[]) => `{${values.map((value) => `"${value.replace(/["\\]/g, '')}"`).join(',')}}`;

const SESSIONS_OF_PERIOD = `SELECT session_id, offering_id, offering_title, programme_id, programme_title, programme_kind, module_id, module_title,
         starts_at, ends_at, location
    FROM catalog_session_schedule
   WHERE offering_status = 'published' AND starts_at >= :from AND starts_at < :until
     AND (:programmeId::int IS NULL OR programme_id = :programmeId::int)`;

export type OrganisationCount = { organisation_id: number | null; name: string | null; participants: number };
export type MonthMarks = { month: number; marks: number; attended: number };
export type UpcomingSession = {
  session_id: number;
  offering_id: number;
  offering_title: string;
  module_title: string | null;
  starts_at: string;
  ends_at: string;
  location: string | null;
  free_seats: number;
};
export type PlannedModule = { module_id: number; starts_at: string; ends_at: string };

export type DashboardFigures = {
  offerings: number;
  enrollments: number;
  waitlisted: number;
  marks: number;
  attended_marks: number;
  certificates: number;
  organisations: OrganisationCount[];
  months: MonthMarks[];
  upcoming: UpcomingSession[];
  planned_modules: PlannedModule[];
  /** The scope's completion snapshot if asked for and fresh enough (snapshots.queries.ts), else null. */
  snapshot: StoredSnapshot | null;
};

/** Which completion snapshot to read along: its scope and the oldest computation still good. */
export type SnapshotWanted = { scope: string; freshAfter: Date };

/**
 * Everything but completions in one row. Marks count only for sessions begun by `moment`
 * and only of people confirmed in the session's offering (as the funder report's
 * attendance per session). Upcoming sessions: from `moment` on, within the period, with a
 * seat left. (Missing proofs are the attendance domain's rule: `sessionsMissingProof`.) Planned modules: per module of a series, the next
 * session from `moment` on in any published offering, for the make-up rule.
 */
export async function selectDashboardFigures(
  db: Db,
  period: DashboardPeriod,
  attended: readonly AttendanceStatus[],
  moment: Date,
  snapshot: SnapshotWanted | null = null,
): Promise<DashboardFigures> {
  const { rows } = await db.raw<{ rows: DashboardFigures[] }>(
    `WITH sessions AS (${SESSIONS_OF_PERIOD}),
          offerings AS (SELECT DISTINCT offering_id FROM sessions),
          seats AS (SELECT c.offering_id, c.user_id FROM confirmed_seats c WHERE c.offering_id IN (SELECT offering_id FROM offerings)),
          marks AS (SELECT s.starts_at, a.status
                      FROM sessions s
                      JOIN attendance_marks a ON a.session_id = s.session_id
                      JOIN seats ON seats.offering_id = s.offering_id AND seats.user_id = a.user_id
                     WHERE s.starts_at <= :moment)
     SELECT (SELECT count(*) FROM offerings)::int AS offerings,
            (SELECT count(*) FROM seats)::int AS enrollments,
            (SELECT count(*) FROM waitlist_positions w WHERE w.offering_id IN (SELECT offering_id FROM offerings))::int AS waitlisted,
            (SELECT count(*) FROM marks)::int AS marks,
            (SELECT count(*) FROM marks WHERE status = ANY(:attended::text[]))::int AS attended_marks,
            (SELECT count(*) FROM certificates_issued c
              WHERE c.issued_at >= :from AND c.issued_at < :until AND (:programmeId::int IS NULL OR c.programme_id = :programmeId::int))::int AS certificates,
            (SELECT coalesce(json_agg(json_build_object('organisation_id', x.organisation_id, 'name', x.organisation_name, 'participants', x.participants)
                                      ORDER BY x.participants DESC, x.organisation_name COLLATE german NULLS LAST), '[]')
               FROM (SELECT p.organisation_id, p.organisation_name, count(*)::int AS participants
                       FROM seats JOIN accounts_people p ON p.user_id = seats.user_id
                      GROUP BY p.organisation_id, p.organisation_name) x) AS organisations,
            (SELECT coalesce(json_agg(json_build_object('month', x.month, 'marks', x.marks, 'attended', x.attended) ORDER BY x.month), '[]')
               FROM (SELECT extract(month FROM starts_at AT TIME ZONE :timeZone)::int AS month, count(*)::int AS marks,
                            count(*) FILTER (WHERE status = ANY(:attended::text[]))::int AS attended
                       FROM marks GROUP BY 1) x) AS months,
            (SELECT coalesce(json_agg(x ORDER BY x.starts_at, x.session_id), '[]')
               FROM (SELECT s.session_id, s.offering_id, s.offering_title, s.module_title, s.starts_at, s.ends_at, s.location,
                            o.capacity - (SELECT count(*) FROM confirmed_seats c WHERE c.offering_id = s.offering_id)::int AS free_seats
                       FROM sessions s JOIN catalog_offering_capacity o ON o.offering_id = s.offering_id
                      WHERE s.starts_at > :moment
                        AND o.capacity > (SELECT count(*) FROM confirmed_seats c WHERE c.offering_id = s.offering_id)
                      ORDER BY s.starts_at, s.session_id LIMIT 5) x) AS upcoming,
            (SELECT coalesce(json_agg(json_build_object('module_id', x.module_id, 'starts_at', x.starts_at, 'ends_at', x.ends_at)), '[]')
               FROM (SELECT module_id, min(starts_at) AS starts_at, max(ends_at) AS ends_at
                       FROM catalog_session_schedule
                      WHERE offering_status = 'published' AND programme_kind = 'series' AND module_id IS NOT NULL AND ends_at > :moment
                      GROUP BY module_id) x) AS planned_modules,
            ${snapshot ? FRESH_SNAPSHOT_COLUMN : 'NULL::json'} AS snapshot`,
    { ...period, moment, timeZone: TIME_ZONE, attended: textArray(attended), ...(snapshot ? { snapshotScope: snapshot.scope, snapshotFreshAfter: snapshot.freshAfter } : {}) },
  );
  return rows[0]!;
}

export type SeatWithAttendance = {
  offering_id: number;
  offering_title: string;
  programme_id: number;
  user_id: number;
  first_name: string;
  last_name: string;
  attended: { module_id: number | null; offering_id: number; starts_at: string }[];
};

/**
 * Every confirmed seat of an offering of the period, with the sessions of the offering's
 * programme (any cohort, so a module made up later counts) the person attended by
 * `moment`, as the funder report's completions read them; people who attended nothing
 * are kept, because they may be at risk. In no particular order (the service sorts the few it lists).
 */
export async function selectSeatsWithAttendance(db: Db, period: DashboardPeriod, attended: readonly AttendanceStatus[], moment: Date): Promise<SeatWithAttendance[]> {
  // Set-based: the attended sessions of all the period's people are read once and grouped per
  // person and programme, then joined to the seats by hash (a sub-select per seat read the
  // attendance of a county's 27,000 seats one by one: 1.5 s). The completion rules need only the
  // first attended session per module and offering, so that is all that is kept.
  const { rows } = await db.raw<{ rows: SeatWithAttendance[] }>(
    `WITH offerings AS (SELECT DISTINCT offering_id, offering_title, programme_id FROM (${SESSIONS_OF_PERIOD}) s),
          seats AS (SELECT o.offering_id, o.offering_title, o.programme_id, c.user_id
                      FROM offerings o JOIN confirmed_seats c ON c.offering_id = o.offering_id),
          firsts AS (SELECT a.user_id, s.programme_id, s.module_id, s.offering_id, min(s.starts_at) AS starts_at
                       FROM attendance_marks a
                       JOIN catalog_session_schedule s ON s.session_id = a.session_id
                      WHERE a.status = ANY(:attended::text[]) AND s.starts_at <= :moment
                        AND a.user_id IN (SELECT user_id FROM seats)
                        AND s.programme_id IN (SELECT programme_id FROM offerings)
                      GROUP BY a.user_id, s.programme_id, s.module_id, s.offering_id),
          attended AS (SELECT user_id, programme_id,
                              json_agg(json_build_object('module_id', module_id, 'offering_id', offering_id, 'starts_at', starts_at)) AS sessions
                         FROM firsts GROUP BY user_id, programme_id)
     SELECT seats.offering_id, seats.offering_title, seats.programme_id, p.user_id, p.first_name, p.last_name,
            coalesce(attended.sessions, '[]') AS attended
       FROM seats
       JOIN accounts_people p ON p.user_id = seats.user_id
       LEFT JOIN attended ON attended.user_id = seats.user_id AND attended.programme_id = seats.programme_id`,
    { ...period, moment, attended: textArray(attended) },
  );
  return rows;
}
