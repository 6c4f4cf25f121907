import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type CheckInWindow = { session_id: number; nonce: string; opened_at: Date; closed_at: Date | null };

export async function upsertCheckInWindow(db: Db, sessionId: number, nonce: string, openedBy: number): Promise<void> {
  await db('check_in_windows')
    .insert({ session_id: sessionId, nonce, opened_by: openedBy, opened_at: db.fn.now(), closed_at: null })
    .onConflict('session_id')
    .merge(['nonce', 'opened_by', 'opened_at', 'closed_at']);
}

export async function closeCheckInWindow(db: Db, sessionId: number): Promise<void> {
  await db('check_in_windows').where('session_id', sessionId).whereNull('closed_at').update({ closed_at: db.fn.now() });
}

export async function findCheckInWindow(db: Db, sessionId: number): Promise<CheckInWindow | undefined> {
  return db('check_in_windows').select('session_id', 'nonce', 'opened_at', 'closed_at').where('session_id', sessionId).first();
}

/** Open windows of sessions running around `now` (a handful at any time); the service applies the exact window rule. */
export async function selectOpenCheckInWindows(db: Db, now: Date, earlyMinutes: number): Promise<(CheckInWindow & { starts_at: Date; ends_at: Date })[]> {
  return db('check_in_windows as w')
    .join('offering_sessions as s', 's.id', 'w.session_id')
    .whereNull('w.closed_at')
    .where('s.ends_at', '>', now)
    .where('s.starts_at', '<=', new Date(now.getTime() + earlyMinutes * 60 * 1000))
    .select('w.session_id', 'w.nonce', 'w.opened_at', 'w.closed_at', 's.starts_at', 's.ends_at');
}
