import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

// Read models for the start page (src/attendance/start.ts publishes them): one statement each.

export type OpenExcuseRow = { id: number; session_id: number; starts_at: Date; offering_title: string; programme_title: string; module_title: string | null; submitted_at: Date; total: number };

/** A person's excuses still waiting for the coordination's decision, the earliest date first; `total` counts them all. */
export async function selectOpenExcusesOfPerson(db: Db, userId: number, limit: number): Promise<OpenExcuseRow[]> {
  return db('excuses as x')
    .join('offering_sessions as s', 's.id', 'x.session_id')
    .join('offerings as o', 'o.id', 's.offering_id')
    .join('programmes as p', 'p.id', 'o.programme_id')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .where({ 'x.user_id': userId, 'x.status': 'submitted' })
    .select('x.id', 'x.session_id', 's.starts_at', 'o.title as offering_title', 'p.title as programme_title', 'm.title as module_title', 'x.submitted_at', db.raw('(count(*) OVER ())::int AS total'))
    .orderBy([{ column: 's.starts_at' }, { column: 'x.id' }])
    .limit(limit);
}

export type TaughtSessionRow = {
  session_id: number;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
  location: string;
  /** How many sessions the query found in all (every row carries it). */
  total: number;
};

const taughtSessionColumns = `s.id AS session_id, o.id AS offering_id, o.title AS offering_title, p.title AS programme_title,
       m.title AS module_title, s.starts_at, s.ends_at, coalesce(nullif(s.location, ''), o.location) AS location,
       (count(*) OVER ())::int AS total`;

const taughtSessionsFrom = `FROM session_trainers st
       JOIN offering_sessions s ON s.id = st.session_id
       JOIN offerings o ON o.id = s.offering_id AND o.status = 'published'
       JOIN programmes p ON p.id = o.programme_id
       LEFT JOIN modules m ON m.id = s.module_id`;

/** Sessions the trainer teaches from the start of `moment`'s day (Europe/Berlin) on, the earliest first. */
export async function selectTaughtFromToday(db: Db, trainerId: number, moment: Date, limit: number): Promise<TaughtSessionRow[]> {
  const result = await db.raw<{ rows: TaughtSessionRow[] }>(
    `SELECT ${taughtSessionColumns}
       ${taughtSessionsFrom}
      WHERE st.user_id = :trainerId
        AND s.starts_at >= (date_trunc('day', CAST(:moment AS timestamptz) AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin')
      ORDER BY s.starts_at, s.id
      LIMIT :limit`,
    { trainerId, moment, limit },
  );
  return result.rows;
}

/**
 * Sessions the trainer taught that ended before `moment` with people holding a confirmed seat
 * and no attendance saved at all: the roll calls still to be done, the most recent first.
 */
export async function selectTaughtWithoutRollCall(db: Db, trainerId: number, moment: Date, limit: number): Promise<TaughtSessionRow[]> {
  const result = await db.raw<{ rows: TaughtSessionRow[] }>(
    `SELECT ${taughtSessionColumns}
       ${taughtSessionsFrom}
      WHERE st.user_id = :trainerId
        AND s.ends_at < :moment
        AND NOT EXISTS (SELECT 1 FROM attendance_records a WHERE a.session_id = s.id)
        AND EXISTS (SELECT 1 FROM enrollments e WHERE e.offering_id = o.id AND e.status = 'confirmed')
      ORDER BY s.starts_at DESC, s.id DESC
      LIMIT :limit`,
    { trainerId, moment, limit },
  );
  return result.rows;
}
