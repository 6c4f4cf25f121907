import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type EnrollmentStatus = 'pending' | 'confirmed' | 'waitlisted' | 'cancelled' | 'rejected';
export const ACTIVE_STATUSES: EnrollmentStatus[] = ['pending', 'confirmed', 'waitlisted'];

export async function countConfirmed(db: Db, offeringId: number): Promise<number> {
  const row = await db('enrollments').count<{ count: number }[]>({ count: '*' }).where({ offering_id: offeringId, status: 'confirmed' }).first();
  return row?.count ?? 0;
}

export async function countWaitlisted(db: Db, offeringId: number): Promise<number> {
  const row = await db('enrollments').count<{ count: number }[]>({ count: '*' }).where({ offering_id: offeringId, status: 'waitlisted' }).first();
  return row?.count ?? 0;
}

/** The active enrollment (if any) of each of these people in one offering. */
export async function selectActiveStatuses(db: Db, offeringId: number, userIds: number[]): Promise<Map<number, EnrollmentStatus>> {
  const statuses = new Map<number, EnrollmentStatus>();
  if (userIds.length === 0) return statuses;
  const rows: { user_id: number; status: EnrollmentStatus }[] = await db('enrollments')
    .select('user_id', 'status')
    .where('offering_id', offeringId)
    .whereIn('user_id', userIds)
    .whereIn('status', ACTIVE_STATUSES);
  for (const row of rows) statuses.set(row.user_id, row.status);
  return statuses;
}

export type EnrollmentRow = {
  id: number;
  offering_id: number;
  user_id: number;
  status: EnrollmentStatus;
  requested_at: Date;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
};

const enrollmentColumns = ['id', 'offering_id', 'user_id', 'status', 'requested_at', 'confirmed_at', 'cancelled_at'];

export async function findEnrollment(db: Db, enrollmentId: number): Promise<EnrollmentRow | undefined> {
  return db('enrollments').select(enrollmentColumns).where('id', enrollmentId).first();
}

export async function findActiveEnrollment(db: Db, offeringId: number, userId: number): Promise<EnrollmentRow | undefined> {
  return db('enrollments').select(enrollmentColumns).where({ offering_id: offeringId, user_id: userId }).whereIn('status', ACTIVE_STATUSES).first();
}

export async function insertEnrollment(trx: Knex.Transaction, row: { offering_id: number; user_id: number; status: EnrollmentStatus; decided_by?: number | null }): Promise<EnrollmentRow> {
  const [inserted] = await trx('enrollments')
    .insert({
      ...row,
      // Time of the insert, i.e. after the offering lock: waitlist order is the order seats were asked for.
      requested_at: trx.raw('clock_timestamp()'),
      confirmed_at: row.status === 'confirmed' ? trx.raw('clock_timestamp()') : null,
    })
    .returning(enrollmentColumns);
  return inserted as EnrollmentRow;
}

export async function updateEnrollmentStatus(trx: Knex.Transaction, enrollmentId: number, status: EnrollmentStatus, decidedBy: number | null): Promise<void> {
  await trx('enrollments')
    .where('id', enrollmentId)
    .update({
      status,
      decided_by: decidedBy,
      updated_at: trx.fn.now(),
      ...(status === 'confirmed' ? { confirmed_at: trx.raw('clock_timestamp()') } : {}),
      ...(status === 'cancelled' ? { cancelled_at: trx.raw('clock_timestamp()') } : {}),
    });
}

export async function firstWaitlisted(trx: Knex.Transaction, offeringId: number): Promise<EnrollmentRow | undefined> {
  return trx('enrollments').select(enrollmentColumns).where({ offering_id: offeringId, status: 'waitlisted' }).orderBy([{ column: 'requested_at' }, { column: 'id' }]).first();
}

/** 1-based place on the waitlist (the published read model waitlist_positions). */
export async function waitlistPosition(db: Db, enrollment: Pick<EnrollmentRow, 'id' | 'offering_id'>): Promise<number> {
  const row = await db('waitlist_positions').select('position').where({ offering_id: enrollment.offering_id, enrollment_id: enrollment.id }).first();
  return (row as { position: number } | undefined)?.position ?? 0;
}

export type SeatCounts = { confirmed: number; waitlisted: number; pending: number };

/** Confirmed, waitlisted and pending counts for many offerings in one query. */
export async function selectSeatCounts(db: Db, offeringIds: number[]): Promise<Map<number, SeatCounts>> {
  const counts = new Map<number, SeatCounts>();
  if (offeringIds.length === 0) return counts;
  const rows: { offering_id: number; confirmed: number; waitlisted: number; pending: number }[] = await db('enrollments')
    .select('offering_id')
    .select(db.raw("count(*) FILTER (WHERE status = 'confirmed')::int as confirmed"))
    .select(db.raw("count(*) FILTER (WHERE status = 'waitlisted')::int as waitlisted"))
    .select(db.raw("count(*) FILTER (WHERE status = 'pending')::int as pending"))
    .whereIn('offering_id', offeringIds)
    .groupBy('offering_id');
  for (const row of rows) counts.set(row.offering_id, { confirmed: row.confirmed, waitlisted: row.waitlisted, pending: row.pending });
  return counts;
}

export async function selectActiveEnrollmentsOfOffering(db: Db, offeringId: number): Promise<EnrollmentRow[]> {
  return db('enrollments').select(enrollmentColumns).where('offering_id', offeringId).whereIn('status', ACTIVE_STATUSES).orderBy('id');
}

export async function upsertCalendarFeed(db: Db, userId: number, tokenHash: string): Promise<void> {
  await db('calendar_feeds').insert({ user_id: userId, token_hash: tokenHash, created_at: db.fn.now() }).onConflict('user_id').merge();
}

export async function deleteCalendarFeed(db: Db, userId: number): Promise<number> {
  return db('calendar_feeds').where('user_id', userId).delete();
}

export type ClaimedReminder = {
  session_id: number;
  user_id: number;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
  location: string;
};

/**
 * Claims the reminders that are due (sessions starting within `withinHours`) for confirmed
 * participants. The insert is the claim: whichever app instance inserts a row sends that
 * mail, and no other instance can insert it again.
 */
export async function claimDueReminders(db: Db, now: Date, withinHours: number): Promise<ClaimedReminder[]> {
  const result = await db.raw<{ rows: ClaimedReminder[] }>(
    `WITH claimed AS (
       INSERT INTO session_reminders (session_id, user_id)
       SELECT s.id, e.user_id
         FROM offering_sessions s
         JOIN offerings o ON o.id = s.offering_id AND o.status = 'published'
         JOIN enrollments e ON e.offering_id = o.id AND e.status = 'confirmed'
         JOIN users u ON u.id = e.user_id AND u.active
        WHERE s.starts_at > :now AND s.starts_at <= :now::timestamptz + make_interval(hours => :withinHours)
       ON CONFLICT DO NOTHING
       RETURNING session_id, user_id
     )
     SELECT c.session_id, c.user_id, o.id AS offering_id, o.title AS offering_title, p.title AS programme_title,
            m.title AS module_title, s.starts_at, s.ends_at, coalesce(nullif(s.location, ''), o.location) AS location
       FROM claimed c
       JOIN offering_sessions s ON s.id = c.session_id
       JOIN offerings o ON o.id = s.offering_id
       JOIN programmes p ON p.id = o.programme_id
       LEFT JOIN modules m ON m.id = s.module_id
      ORDER BY s.starts_at, c.user_id`,
    { now, withinHours },
  );
  return result.rows;
}
