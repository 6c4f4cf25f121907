import type { Knex } from 'knex';
import type { EnrollmentStatus } from './enrollment.queries';

type Db = Knex | Knex.Transaction;

export type PersonSessionRow = {
  session_id: number;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
  location: string;
  online_url: string | null;
  calendar_sequence: number;
  /** The offering was cancelled (only in the feed, for people who held a seat then). */
  cancelled: boolean;
  as_trainer: boolean;
};

/**
 * A person's sessions (confirmed seats and sessions they teach) ending at `:from` or later,
 * for the person `personId` names (a binding or a column). Found from the person's own
 * enrollments and assignments, so the cost follows the person's dates, not the district's.
 *
 * With `withCancelled` (the feed) also the sessions of offerings cancelled while the person
 * held a seat there (their seat ended with the offering: at or after its `cancelled_at`) or
 * taught in them, marked `cancelled`: a subscribed calendar then shows them as cancelled, as
 * the CANCEL mailed at the time did, instead of dropping them without a word.
 */
function sessionsOfPersonSql(personId: string, withCancelled = false): string {
  const cancelledSeats = withCancelled
    ? `UNION
                          SELECT seat.id FROM enrollments e JOIN offerings co ON co.id = e.offering_id AND co.status = 'cancelled'
                            JOIN offering_sessions seat ON seat.offering_id = e.offering_id
                           WHERE e.user_id = ${personId} AND e.status = 'cancelled' AND e.confirmed_at IS NOT NULL AND e.cancelled_at >= co.cancelled_at`
    : '';
  return `SELECT s.id AS session_id, o.id AS offering_id, o.title AS offering_title, p.title AS programme_title,
                 m.title AS module_title, s.starts_at, s.ends_at, s.location, s.online_url, s.calendar_sequence,
                 o.status = 'cancelled' AS cancelled,
                 EXISTS (SELECT 1 FROM session_trainers st WHERE st.session_id = s.id AND st.user_id = ${personId}) AS as_trainer
            FROM offering_sessions s
            JOIN offerings o ON o.id = s.offering_id
            JOIN programmes p ON p.id = o.programme_id
            LEFT JOIN modules m ON m.id = s.module_id
           WHERE s.id IN (SELECT seat.id FROM enrollments e JOIN offering_sessions seat ON seat.offering_id = e.offering_id
                           WHERE e.user_id = ${personId} AND e.status = 'confirmed'
                          UNION
                          SELECT st.session_id FROM session_trainers st WHERE st.user_id = ${personId}
                          ${cancelledSeats})
             AND s.ends_at >= :from
             AND o.status IN (${withCancelled ? "'published', 'cancelled'" : "'published'"})`;
}

export async function selectSessionsOfPerson(db: Db, userId: number, from: Date): Promise<PersonSessionRow[]> {
  const result = await db.raw<{ rows: PersonSessionRow[] }>(`${sessionsOfPersonSql(':userId')} ORDER BY s.starts_at, s.id`, { userId, from });
  return result.rows;
}

/**
 * The owner of a feed token and their sessions in one statement (calendar programs poll
 * often): no row for an unknown token or a deactivated account, one row with empty session
 * columns for an owner without dates.
 */
export async function selectFeedSessions(db: Db, tokenHash: string, from: Date): Promise<{ ownerFound: boolean; sessions: PersonSessionRow[] }> {
  const result = await db.raw<{ rows: (Omit<PersonSessionRow, 'session_id'> & { session_id: number | null })[] }>(
    `WITH owner AS (
       SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id AND u.active WHERE f.token_hash = :tokenHash
     )
     SELECT mine.* FROM owner LEFT JOIN LATERAL (${sessionsOfPersonSql('owner.user_id', true)}) mine ON true
      ORDER BY mine.starts_at, mine.session_id`,
    { tokenHash, from },
  );
  return { ownerFound: result.rows.length > 0, sessions: result.rows.filter((row): row is PersonSessionRow => row.session_id !== null) };
}

export type MyEnrollmentRow = {
  offering_id: number;
  status: EnrollmentStatus;
  offering_title: string;
  offering_status: string;
  programme_title: string;
  waitlist_position: number | null;
};

/**
 * Every enrollment of a person, newest first, with whether they have a calendar feed: one
 * statement for both (the feed flag comes on every row, and alone when there is no enrollment).
 */
export async function selectEnrollmentsWithFeed(db: Db, userId: number): Promise<{ enrollments: MyEnrollmentRow[]; feedActive: boolean }> {
  const result = await db.raw<{ rows: (MyEnrollmentRow & { feed_active: boolean; id: number | null })[] }>(
    `SELECT feed.active AS feed_active, mine.*
       FROM (SELECT EXISTS (SELECT 1 FROM calendar_feeds WHERE user_id = :userId) AS active) feed
       LEFT JOIN LATERAL (
         SELECT e.id, e.offering_id, e.status, e.requested_at, o.title AS offering_title, o.status AS offering_status,
                p.title AS programme_title,
                CASE WHEN e.status = 'waitlisted'
                     THEN (SELECT w.position FROM waitlist_positions w WHERE w.offering_id = e.offering_id AND w.enrollment_id = e.id)
                END AS waitlist_position
           FROM enrollments e
           JOIN offerings o ON o.id = e.offering_id
           JOIN programmes p ON p.id = o.programme_id
          WHERE e.user_id = :userId
       ) mine ON true
      ORDER BY mine.requested_at DESC, mine.id DESC`,
    { userId },
  );
  return {
    feedActive: result.rows[0]?.feed_active ?? false,
    enrollments: result.rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        offering_id: row.offering_id,
        status: row.status,
        offering_title: row.offering_title,
        offering_status: row.offering_status,
        programme_title: row.programme_title,
        waitlist_position: row.waitlist_position,
      })),
  };
}
