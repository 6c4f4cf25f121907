import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type NextDateRow = {
  session_id: number;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
  location: string;
  online_url: string | null;
};

/**
 * A person's next dates for the start page: sessions of offerings where they hold a confirmed
 * seat that have not ended at `moment` (so a session running now is first), at most `limit`.
 * One statement, found from the person's own enrollments: the cost follows their dates.
 */
export async function selectNextDates(db: Db, userId: number, moment: Date, limit: number): Promise<NextDateRow[]> {
  const result = await db.raw<{ rows: NextDateRow[] }>(
    `SELECT s.id AS session_id, o.id AS offering_id, o.title AS offering_title, p.title AS programme_title,
            m.title AS module_title, s.starts_at, s.ends_at,
            coalesce(nullif(s.location, ''), o.location) AS location, s.online_url
       FROM enrollments e
       JOIN offerings o ON o.id = e.offering_id AND o.status = 'published'
       JOIN programmes p ON p.id = o.programme_id
       JOIN offering_sessions s ON s.offering_id = o.id
       LEFT JOIN modules m ON m.id = s.module_id
      WHERE e.user_id = :userId AND e.status = 'confirmed' AND s.ends_at > :moment
      ORDER BY s.starts_at, s.id
      LIMIT :limit`,
    { userId, moment, limit },
  );
  return result.rows;
}
