import type { Knex } from 'knex';
import type { EnrollmentStatus } from './enrollment.queries';

type Db = Knex | Knex.Transaction;

export type EnrollmentListFilter = { status?: EnrollmentStatus; search?: string };

/** One offering's seats, and how many enrollments match the coordinator's filter. */
export type EnrollmentListTotals = { confirmed: number; waitlisted: number; pending: number; matching: number };

export type EnrollmentListRow = {
  id: number;
  status: EnrollmentStatus;
  requested_at: Date;
  first_name: string;
  last_name: string;
  email: string;
  department: string | null;
  organisation_name: string | null;
  waitlist_position: number | null;
};

/** Status and search as one SQL condition over `e` (enrollments), `u` (users) and `o` (organisations). */
function matchCondition(filter: EnrollmentListFilter): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  if (filter.status) {
    parts.push('e.status = ?');
    bindings.push(filter.status);
  }
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    parts.push(`(u.email ILIKE ? OR u.first_name || ' ' || u.last_name ILIKE ? OR u.last_name || ', ' || u.first_name ILIKE ? OR o.name ILIKE ?)`);
    bindings.push(pattern, pattern, pattern, pattern);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', bindings };
}

/**
 * The seat counts shown above the list and the number of matching rows for the page
 * links, in one pass over the offering's enrollments (people and organisations are
 * joined only when searching).
 */
export async function selectEnrollmentListTotals(db: Db, offeringId: number, filter: EnrollmentListFilter): Promise<EnrollmentListTotals> {
  const match = matchCondition(filter);
  const people = filter.search ? 'JOIN users u ON u.id = e.user_id LEFT JOIN organisations o ON o.id = u.organisation_id' : '';
  const result = await db.raw<{ rows: EnrollmentListTotals[] }>(
    `SELECT count(*) FILTER (WHERE e.status = 'confirmed')::int AS confirmed,
            count(*) FILTER (WHERE e.status = 'waitlisted')::int AS waitlisted,
            count(*) FILTER (WHERE e.status = 'pending')::int AS pending,
            count(*) FILTER (WHERE ${match.sql})::int AS matching
       FROM enrollments e ${people}
      WHERE e.offering_id = ?`,
    [...match.bindings, offeringId],
  );
  return result.rows[0] ?? { confirmed: 0, waitlisted: 0, pending: 0, matching: 0 };
}

/**
 * One page of the list: open requests first (they wait for a decision), then confirmed,
 * the waitlist in its order, cancelled and rejected; people within a status in German
 * name order. Only the columns the page shows.
 */
export async function selectEnrollmentListPage(db: Db, offeringId: number, filter: EnrollmentListFilter, limit: number, offset: number): Promise<EnrollmentListRow[]> {
  const match = matchCondition(filter);
  const result = await db.raw<{ rows: EnrollmentListRow[] }>(
    `SELECT e.id, e.status, e.requested_at, u.first_name, u.last_name, u.email, u.department,
            o.name AS organisation_name, w.position AS waitlist_position
       FROM enrollments e
       JOIN users u ON u.id = e.user_id
       LEFT JOIN organisations o ON o.id = u.organisation_id
       LEFT JOIN waitlist_positions w ON w.enrollment_id = e.id AND w.offering_id = e.offering_id
      WHERE e.offering_id = ? AND ${match.sql}
      ORDER BY array_position(ARRAY['pending','confirmed','waitlisted','cancelled','rejected'], e.status),
               w.position, u.last_name COLLATE german, u.first_name COLLATE german, e.id
      LIMIT ? OFFSET ?`,
    [offeringId, ...match.bindings, limit, offset],
  );
  return result.rows;
}

export type EnrollmentToMove = { id: number; offering_id: number; status: EnrollmentStatus; first_name: string; last_name: string; email: string };

/** The enrollment with the person's name, as the move page shows it. */
export async function selectEnrollmentToMove(db: Db, enrollmentId: number): Promise<EnrollmentToMove | undefined> {
  return db('enrollments')
    .join('users', 'users.id', 'enrollments.user_id')
    .select('enrollments.id', 'enrollments.offering_id', 'enrollments.status', 'users.first_name', 'users.last_name', 'users.email')
    .where('enrollments.id', enrollmentId)
    .first();
}
