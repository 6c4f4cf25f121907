import type { Knex } from 'knex';
import type { CertificateStatus } from './certificates.queries';

type Db = Knex | Knex.Transaction;

/** A PostgreSQL array literal: Knex would spread a JS array into a list of parameters. */
const arrayLiteral = (values: readonly (number | string)[]) => `{${values.map((value) => (typeof value === 'number' ? String(Math.trunc(value)) : `"${value.replace(/["\\]/g, '')}"`)).join(',')}}`;

/*
 * The coordinator's certificate page of one offering: four statements, whatever its size
 * (the offering with its rule, what the confirmed people attended, the counts, one page of
 * people). Only what the page shows is read: no snapshots, no PDF bytes.
 */

export type OverviewOffering = {
  id: number;
  title: string;
  programme_id: number;
  programme_title: string;
  kind: 'series' | 'workshop' | 'event';
  completion_rule: 'all' | 'min';
  completion_min_modules: number | null;
  modules: { id: number; position: number; title: string }[];
};

/** The offering, its programme's completion rule and modules, in one statement. */
export async function findOverviewOffering(db: Db, offeringId: number): Promise<OverviewOffering | undefined> {
  const { rows } = await db.raw<{ rows: OverviewOffering[] }>(
    `SELECT o.id, o.title, o.programme_id, p.title AS programme_title, p.kind, p.completion_rule, p.completion_min_modules,
            coalesce((SELECT json_agg(json_build_object('id', m.id, 'position', m.position, 'title', m.title) ORDER BY m.position)
                        FROM modules m WHERE m.programme_id = p.id), '[]'::json) AS modules
       FROM offerings o JOIN programmes p ON p.id = o.programme_id
      WHERE o.id = ?`,
    [offeringId],
  );
  return rows[0];
}

export type AttendedByPerson = { user_id: number; module_id: number | null; offering_id: number; starts_at: Date };

/**
 * What the confirmed people of an offering attended (statuses that count, sessions begun by
 * `moment`): for a series any cohort of the programme, otherwise this offering. One row per
 * person and module with its first date: all the completion rules look at (a series counts
 * modules in any cohort; anything else has only this offering in scope). The same selection
 * as attendance's completion for issuing (completion.queries.ts).
 */
export async function selectAttendedOfConfirmed(db: Db, offering: { id: number; programme_id: number; kind: string }, attendedStatuses: readonly string[], moment: Date): Promise<AttendedByPerson[]> {
  const scope = offering.kind === 'series' ? { sql: 'o.programme_id = ?', binding: offering.programme_id } : { sql: 's.offering_id = ?', binding: offering.id };
  // The people's ids as one array: their attendance is then read by the user_id index
  // (a few dozen rows each), not by scanning every attendance row of the county.
  const { rows } = await db.raw<{ rows: AttendedByPerson[] }>(
    `SELECT a.user_id, s.module_id, min(s.offering_id) AS offering_id, min(s.starts_at) AS starts_at
       FROM attendance_records a
       JOIN offering_sessions s ON s.id = a.session_id
       JOIN offerings o ON o.id = s.offering_id
      WHERE a.user_id = ANY (ARRAY(SELECT cs.user_id FROM confirmed_seats cs WHERE cs.offering_id = ?))
        AND a.status = ANY(?::text[]) AND s.starts_at <= ? AND ${scope.sql}
      GROUP BY a.user_id, s.module_id`,
    [offering.id, arrayLiteral(attendedStatuses), moment, scope.binding],
  );
  return rows;
}

export type OverviewState = 'eligible' | 'issued' | 'revoked';
export type OverviewFilter = { state?: OverviewState; search?: string };
export type OverviewScope = { offeringId: number; subjectKey: string; completedUserIds: number[] };

/**
 * The confirmed people of the offering with their valid certificate for the subject (at
 * most one, a unique index says so) and whether one was revoked; `completed` from the
 * completion rules, passed in.
 */
function peopleWith(scope: OverviewScope): { sql: string; bindings: Knex.RawBinding[] } {
  return {
    // Materialized: the offering's few hundred people are gathered first and sorted, rather than walking
    // the name index over every user of the county to find them (which grows with the page number).
    sql: `WITH people AS MATERIALIZED (
      SELECT u.id AS user_id, u.first_name, u.last_name, u.organisation_id,
             v.id AS valid_id, v.serial AS valid_serial, v.issued_at AS valid_issued_at,
             EXISTS (SELECT 1 FROM certificates r WHERE r.user_id = u.id AND r.subject_key = ? AND r.status = 'revoked') AS has_revoked,
             u.id = ANY(?::int[]) AS completed
        FROM confirmed_seats cs
        JOIN users u ON u.id = cs.user_id
        LEFT JOIN certificates v ON v.user_id = u.id AND v.subject_key = ? AND v.status = 'valid'
       WHERE cs.offering_id = ?)`,
    bindings: [scope.subjectKey, arrayLiteral(scope.completedUserIds), scope.subjectKey, scope.offeringId],
  };
}

/** The filter as a condition on `people` (p): state, and every word of the search in the name. */
function matching(filter: OverviewFilter): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  if (filter.state === 'eligible') parts.push('(p.completed AND p.valid_id IS NULL)');
  if (filter.state === 'issued') parts.push('p.valid_id IS NOT NULL');
  if (filter.state === 'revoked') parts.push('p.has_revoked');
  for (const word of (filter.search ?? '').split(/[\s,]+/).filter(Boolean).slice(0, 5)) {
    // The person's own % and _ are taken literally.
    const pattern = `%${word.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    parts.push('(p.first_name ILIKE ? OR p.last_name ILIKE ?)');
    bindings.push(pattern, pattern);
  }
  return { sql: parts.length === 0 ? 'true' : parts.join(' AND '), bindings };
}

export type OverviewCounts = { total: number; eligible: number; issued: number; revoked: number; matching: number };

/** Counts for the whole offering (what the bulk actions cover) and how many match the filter. */
export async function countOverview(db: Db, scope: OverviewScope, filter: OverviewFilter): Promise<OverviewCounts> {
  const people = peopleWith(scope);
  const match = matching(filter);
  const { rows } = await db.raw<{ rows: OverviewCounts[] }>(
    `${people.sql}
     SELECT count(*)::int AS total,
            count(*) FILTER (WHERE p.completed AND p.valid_id IS NULL)::int AS eligible,
            count(*) FILTER (WHERE p.valid_id IS NOT NULL)::int AS issued,
            count(*) FILTER (WHERE p.has_revoked)::int AS revoked,
            count(*) FILTER (WHERE ${match.sql})::int AS matching
       FROM people p`,
    [...people.bindings, ...match.bindings],
  );
  return rows[0]!;
}

export type OverviewRow = {
  user_id: number;
  first_name: string;
  last_name: string;
  organisation_name: string | null;
  completed: boolean;
  valid_id: number | null;
  valid_serial: string | null;
  valid_issued_at: Date | null;
  /** Earlier certificates for the subject (revoked, superseded), latest first. */
  history: { id: number; serial: string; status: CertificateStatus; revokedAt: string | null }[];
};

/** One page of people matching the filter, in German name order. */
export async function selectOverviewPage(db: Db, scope: OverviewScope, filter: OverviewFilter, window: { limit: number; offset: number }): Promise<OverviewRow[]> {
  const people = peopleWith(scope);
  const match = matching(filter);
  const { rows } = await db.raw<{ rows: OverviewRow[] }>(
    `${people.sql}
     SELECT p.user_id, p.first_name, p.last_name, org.name AS organisation_name, p.completed, p.valid_id, p.valid_serial, p.valid_issued_at,
            coalesce((SELECT json_agg(json_build_object('id', c.id, 'serial', c.serial, 'status', c.status, 'revokedAt', c.revoked_at) ORDER BY c.id DESC)
                        FROM certificates c WHERE c.user_id = p.user_id AND c.subject_key = ? AND c.status <> 'valid'), '[]'::json) AS history
       FROM people p LEFT JOIN organisations org ON org.id = p.organisation_id
      WHERE ${match.sql}
      ORDER BY p.last_name COLLATE german, p.first_name COLLATE german, p.user_id
      LIMIT ? OFFSET ?`,
    [...people.bindings, scope.subjectKey, ...match.bindings, window.limit, window.offset],
  );
  return rows;
}
