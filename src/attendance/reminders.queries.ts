import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** A session and a person a reminder is about: the trainer who takes its roll call, or the participant marked absent. */
export type ReminderCandidate = {
  session_id: number;
  user_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  location: string;
};

const sessionColumns = `s.id AS session_id, o.title AS offering_title, p.title AS programme_title, m.title AS module_title,
       s.starts_at, coalesce(nullif(s.location, ''), o.location) AS location`;

const sessionsFrom = `FROM offering_sessions s
       JOIN offerings o ON o.id = s.offering_id AND o.status = 'published'
       JOIN programmes p ON p.id = o.programme_id
       LEFT JOIN modules m ON m.id = s.module_id`;

const hasConfirmedPeople = `EXISTS (SELECT 1 FROM enrollments e WHERE e.offering_id = o.id AND e.status = 'confirmed')`;
const berlinDay = (moment: string) => `(CAST(${moment} AS timestamptz) AT TIME ZONE 'Europe/Berlin')::date`;
const startOfBerlinDay = `(date_trunc('day', CAST(:now AS timestamptz) AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin')`;

/** Trainers of sessions held today (Europe/Berlin) that have not ended yet and have people to call. */
export async function selectTrainersOfTodaysSessions(db: Db, now: Date): Promise<ReminderCandidate[]> {
  const { rows } = await db.raw<{ rows: ReminderCandidate[] }>(
    `SELECT ${sessionColumns}, st.user_id
       ${sessionsFrom}
       JOIN session_trainers st ON st.session_id = s.id
       JOIN accounts_directory d ON d.user_id = st.user_id AND d.active
      WHERE ${berlinDay('s.starts_at')} = ${berlinDay(':now')} AND s.ends_at > :now AND ${hasConfirmedPeople}
      ORDER BY s.starts_at, s.id, st.user_id`,
    { now },
  );
  return rows;
}

/**
 * Trainers of sessions that ended on an earlier day (at most `lookBackDays` ago) without any
 * attendance recorded: the same rule as the start pages' "roll calls missing".
 */
export async function selectTrainersWithRollCallMissing(db: Db, now: Date, lookBackDays: number): Promise<ReminderCandidate[]> {
  const { rows } = await db.raw<{ rows: ReminderCandidate[] }>(
    `SELECT ${sessionColumns}, st.user_id
       ${sessionsFrom}
       JOIN session_trainers st ON st.session_id = s.id
       JOIN accounts_directory d ON d.user_id = st.user_id AND d.active
      WHERE s.ends_at < ${startOfBerlinDay} AND s.ends_at >= ${startOfBerlinDay} - make_interval(days => :lookBackDays)
        AND NOT EXISTS (SELECT 1 FROM attendance_records a WHERE a.session_id = s.id)
        AND ${hasConfirmedPeople}
      ORDER BY s.starts_at, s.id, st.user_id`,
    { now, lookBackDays },
  );
  return rows;
}

/**
 * Participants marked absent (unentschuldigt) at a session that ended in the last
 * `lookBackDays`, who still hold their seat and sent no excuse for it: they are the ones
 * who can act (send an excuse; the coordination decides).
 */
export async function selectAbsentWithoutExcuse(db: Db, now: Date, lookBackDays: number): Promise<ReminderCandidate[]> {
  const { rows } = await db.raw<{ rows: ReminderCandidate[] }>(
    `SELECT ${sessionColumns}, a.user_id
       ${sessionsFrom}
       JOIN attendance_records a ON a.session_id = s.id AND a.status = 'absent'
       JOIN accounts_directory d ON d.user_id = a.user_id AND d.active
      WHERE s.ends_at < :now AND s.ends_at >= CAST(:now AS timestamptz) - make_interval(days => :lookBackDays)
        AND EXISTS (SELECT 1 FROM enrollments e WHERE e.offering_id = o.id AND e.user_id = a.user_id AND e.status = 'confirmed')
        AND NOT EXISTS (SELECT 1 FROM excuses x WHERE x.session_id = s.id AND x.user_id = a.user_id)
      ORDER BY s.starts_at, s.id, a.user_id`,
    { now, lookBackDays },
  );
  return rows;
}
