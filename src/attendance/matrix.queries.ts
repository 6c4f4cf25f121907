import type { Knex } from 'knex';
import { ATTENDED_STATUSES, type AttendanceStatus } from './attendance-rules';
import { nameSearch } from './attendance.queries';
import { berlinDayText, dayProofSql } from './participant-list.queries';
import type { ModuleInfo, OfferingInfo, ProgrammeInfo } from './completion.queries';

type Db = Knex | Knex.Transaction;

/*
 * The coordinator's attendance matrix, a page of people at a time: four statements, however
 * large the cohort or the programme's history (the offering with its programme and modules;
 * the sessions that matter; one page of people with the total; what those people attended),
 * each returning only the rows the page shows or decides with.
 * The whole matrix for exports and certificates is read in completion.queries.ts.
 */

export type MatrixOffering = OfferingInfo & { programme: ProgrammeInfo; modules: ModuleInfo[] };

export async function findOfferingForMatrix(db: Db, offeringId: number): Promise<MatrixOffering | undefined> {
  const result = await db.raw<{ rows: (OfferingInfo & { programme: ProgrammeInfo; modules: ModuleInfo[] })[] }>(
    `SELECT o.id, o.title, o.programme_id, o.location, o.capacity, o.status,
            json_build_object('id', p.id, 'kind', p.kind, 'title', p.title, 'completion_rule', p.completion_rule, 'completion_min_modules', p.completion_min_modules) AS programme,
            coalesce((SELECT json_agg(json_build_object('id', m.id, 'position', m.position, 'title', m.title, 'teaching_units', m.teaching_units) ORDER BY m.position)
                        FROM modules m WHERE m.programme_id = p.id), '[]') AS modules
       FROM offerings o
       JOIN programmes p ON p.id = o.programme_id
      WHERE o.id = ?`,
    [offeringId],
  );
  return result.rows[0];
}

export type MatrixSessionRow = {
  id: number;
  offering_id: number;
  offering_title: string;
  starts_at: Date;
  ends_at: Date;
  module_id: number | null;
  module_position: number | null;
  module_title: string | null;
  /** A session of this offering: a column of the matrix. */
  in_offering: boolean;
  /** Still to come in a published offering of the programme: where a module can still be attended. */
  planned: boolean;
  /** YYYY-MM-DD (Berlin) and whether a signed sheet proves that day; null and false for planned ones. */
  berlin_day: string | null;
  day_proof: boolean;
};

/**
 * The offering's sessions (the columns) and, per module of the programme, the first session
 * still planned after `moment` in a published offering (what decides whether a missed module
 * can be made up): a dozen rows, however many cohorts the programme has run.
 */
export async function selectMatrixSessions(db: Db, offeringId: number, moment: Date): Promise<MatrixSessionRow[]> {
  const result = await db.raw<{ rows: MatrixSessionRow[] }>(
    `SELECT s.id, s.offering_id, o.title AS offering_title, s.starts_at, s.ends_at, s.module_id, m.position AS module_position, m.title AS module_title,
            true AS in_offering, false AS planned, ${berlinDayText('s')} AS berlin_day, ${dayProofSql('s')} AS day_proof
       FROM offering_sessions s
       JOIN offerings o ON o.id = s.offering_id
       LEFT JOIN modules m ON m.id = s.module_id
      WHERE s.offering_id = ?
     UNION ALL
     SELECT * FROM (
       SELECT DISTINCT ON (s.module_id) s.id, s.offering_id, o.title AS offering_title, s.starts_at, s.ends_at, s.module_id, NULL::int AS module_position, NULL::text AS module_title,
              false AS in_offering, true AS planned, NULL::text AS berlin_day, false AS day_proof
         FROM offering_sessions s
         JOIN offerings o ON o.id = s.offering_id
        WHERE o.programme_id = (SELECT programme_id FROM offerings WHERE id = ?) AND o.status = 'published' AND s.ends_at > ? AND s.module_id IS NOT NULL
        ORDER BY s.module_id, s.starts_at, s.id
     ) first_planned
     ORDER BY starts_at, id`,
    [offeringId, offeringId, moment],
  );
  return result.rows;
}

export type MatrixPersonRow = { user_id: number; first_name: string; last_name: string; organisation_name: string | null };

/**
 * One page of the offering's confirmed people in German name order (those whose name
 * matches `search`, if given) and how many match in all. The count row always comes back,
 * so a page past the end still tells the total.
 */
export async function selectMatrixPeople(db: Db, offeringId: number, filter: { search?: string; limit: number; offset: number }): Promise<{ rows: MatrixPersonRow[]; total: number }> {
  const search = filter.search ? nameSearch(filter.search) : undefined;
  const result = await db.raw<{ rows: (MatrixPersonRow & { total: number })[] }>(
    // The cohort's ids as an array: the planner then looks its few hundred people up by primary
    // key instead of hashing every user of the county (a join estimates the cohort too large).
    `WITH matching AS (
       SELECT u.id AS user_id, u.first_name, u.last_name, org.name AS organisation_name
         FROM users u
         LEFT JOIN organisations org ON org.id = u.organisation_id
        WHERE u.id = ANY(ARRAY(SELECT e.user_id FROM enrollments e WHERE e.offering_id = ? AND e.status = 'confirmed'))${search ? ` AND ${search.sql}` : ''}
     )
     SELECT counted.total, page.*
       FROM (SELECT count(*)::int AS total FROM matching) counted
       LEFT JOIN LATERAL (
         SELECT * FROM matching ORDER BY last_name COLLATE german, first_name COLLATE german, user_id LIMIT ? OFFSET ?
       ) page ON true
      ORDER BY page.last_name COLLATE german, page.first_name COLLATE german, page.user_id`,
    [offeringId, ...(search?.bindings ?? []), filter.limit, filter.offset],
  );
  const total = result.rows[0]?.total ?? 0;
  return { rows: result.rows.filter((row) => row.user_id !== null).map(({ total: _total, ...row }) => row), total };
}

export type ProgrammeRecordRow = { user_id: number; session_id: number; offering_id: number; module_id: number | null; starts_at: Date; status: AttendanceStatus };

/**
 * What these people have recorded that the matrix needs: every record in this offering (its
 * cells; workshops complete here) and, for the programme's other cohorts, the first session
 * attended per module (a module made up elsewhere). A few rows per person, however long their history.
 */
export async function selectRecordsInProgramme(db: Db, offeringId: number, userIds: number[], moment: Date): Promise<ProgrammeRecordRow[]> {
  if (userIds.length === 0) return [];
  const result = await db.raw<{ rows: ProgrammeRecordRow[] }>(
    `SELECT a.user_id, a.session_id, s.offering_id, s.module_id, s.starts_at, a.status
       FROM attendance_records a
       JOIN offering_sessions s ON s.id = a.session_id
      WHERE a.user_id = ANY(?::int[]) AND s.offering_id = ?
     UNION ALL
     SELECT * FROM (
       SELECT DISTINCT ON (a.user_id, s.module_id) a.user_id, a.session_id, s.offering_id, s.module_id, s.starts_at, a.status
         FROM attendance_records a
         JOIN offering_sessions s ON s.id = a.session_id
         JOIN offerings o ON o.id = s.offering_id
        WHERE a.user_id = ANY(?::int[]) AND s.offering_id <> ? AND s.module_id IS NOT NULL
          AND o.programme_id = (SELECT programme_id FROM offerings WHERE id = ?)
          AND a.status = ANY(?::text[]) AND s.starts_at <= ?
        ORDER BY a.user_id, s.module_id, s.starts_at
     ) made_up_elsewhere`,
    [userIds, offeringId, userIds, offeringId, offeringId, [...ATTENDED_STATUSES], moment],
  );
  return result.rows;
}
