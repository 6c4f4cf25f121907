import type { Knex } from 'knex';
import type { CertificateStatus } from './certificates.queries';

type Db = Knex | Knex.Transaction;

/** A PostgreSQL array literal: Knex would spread a JS array into a list of parameters. */
const arrayLiteral = (values: readonly (number | string)[]) => `{${values.map((value) => (typeof value === 'number' ? String(Math.trunc(value)) : `"${value.replace(/["\\]/g, '')}"`)).join(',')}}`;

/*
 * The coordinator's certificate page of one offering: two statements here, whatever its size
 * (the offering with its rule; the counts with one page of people), plus attendance's
 * published read of who completed (completion-read.ts). Only what the page shows is read:
 * no snapshots, no PDF bytes.
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

export type OverviewState = 'eligible' | 'issued' | 'revoked';
export type OverviewFilter = { state?: OverviewState; search?: string };
export type OverviewScope = { offeringId: number; subjectKey: string; completedUserIds: number[] };

/**
 * The confirmed people of the offering with their valid certificate for the subject (at
 * most one, a unique index says so) and whether one was revoked; `completed` from the
 * completion rules, passed in. Each person's certificates are looked up by the user_id
 * index (LIMIT 1 keeps PostgreSQL from scanning every certificate of the county instead).
 */
function peopleWith(scope: OverviewScope): { sql: string; bindings: Knex.RawBinding[] } {
  return {
    // Materialized: the offering's few hundred people are gathered first (by the users' primary key)
    // and sorted, rather than walking the name index over every user of the county to find them.
    sql: `WITH people AS MATERIALIZED (
      SELECT u.id AS user_id, u.first_name, u.last_name, u.organisation_id,
             v.id AS valid_id, v.serial AS valid_serial, v.issued_at AS valid_issued_at,
             r.user_id IS NOT NULL AS has_revoked, done.user_id IS NOT NULL AS completed
        FROM users u
        LEFT JOIN certificates v ON v.user_id = u.id AND v.subject_key = ? AND v.status = 'valid'
        LEFT JOIN LATERAL (SELECT c.user_id FROM certificates c WHERE c.user_id = u.id AND c.subject_key = ? AND c.status = 'revoked' LIMIT 1) r ON true
        LEFT JOIN unnest(?::int[]) AS done(user_id) ON done.user_id = u.id
       WHERE u.id = ANY (ARRAY(SELECT cs.user_id FROM confirmed_seats cs WHERE cs.offering_id = ?)))`,
    bindings: [scope.subjectKey, scope.subjectKey, arrayLiteral(scope.completedUserIds), scope.offeringId],
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

/**
 * Counts for the whole offering (what the bulk actions cover), how many match the filter,
 * and one page of the matching people in German name order, in one statement: the people are
 * gathered once, and the earlier certificates are read only for the page's rows.
 */
export async function selectOverview(db: Db, scope: OverviewScope, filter: OverviewFilter, window: { limit: number; offset: number }): Promise<{ counts: OverviewCounts; rows: OverviewRow[] }> {
  const people = peopleWith(scope);
  const match = matching(filter);
  const { rows } = await db.raw<{ rows: { counts: OverviewCounts; rows: (Omit<OverviewRow, 'valid_issued_at'> & { valid_issued_at: string | null })[] }[] }>(
    `${people.sql}
     SELECT (SELECT json_build_object(
               'total', count(*),
               'eligible', count(*) FILTER (WHERE p.completed AND p.valid_id IS NULL),
               'issued', count(*) FILTER (WHERE p.valid_id IS NOT NULL),
               'revoked', count(*) FILTER (WHERE p.has_revoked),
               'matching', count(*) FILTER (WHERE ${match.sql}))
               FROM people p) AS counts,
            (SELECT coalesce(json_agg(json_build_object(
                      'user_id', p.user_id, 'first_name', p.first_name, 'last_name', p.last_name, 'organisation_name', org.name,
                      'completed', p.completed, 'valid_id', p.valid_id, 'valid_serial', p.valid_serial, 'valid_issued_at', p.valid_issued_at,
                      'history', coalesce((SELECT json_agg(json_build_object('id', c.id, 'serial', c.serial, 'status', c.status, 'revokedAt', c.revoked_at) ORDER BY c.id DESC)
                                             FROM certificates c WHERE c.user_id = p.user_id AND c.subject_key = ? AND c.status <> 'valid'), '[]'::json))
                      ORDER BY p.position), '[]'::json)
               FROM (SELECT p.*, row_number() OVER (ORDER BY p.last_name COLLATE german, p.first_name COLLATE german, p.user_id) AS position
                       FROM people p WHERE ${match.sql}
                      ORDER BY position LIMIT ? OFFSET ?) p
               LEFT JOIN organisations org ON org.id = p.organisation_id) AS rows`,
    [...people.bindings, ...match.bindings, scope.subjectKey, ...match.bindings, window.limit, window.offset],
  );
  const result = rows[0]!;
  return { counts: result.counts, rows: result.rows.map((row) => ({ ...row, valid_issued_at: row.valid_issued_at === null ? null : new Date(row.valid_issued_at) })) };
}
