import type { Database } from '../db/database';
import * as queries from './start.queries';
import { isCheckInOpen } from './roll-call-window';

/*
 * What the attendance domain publishes for the start page (read models): a person's open
 * excuses, a trainer's sessions and the roll calls still missing, and whether a date is in its
 * self check-in window (the same rule the check-in service applies).
 */

export type OpenExcuse = Omit<queries.OpenExcuseRow, 'total'>;
export type TaughtSession = Omit<queries.TaughtSessionRow, 'total'>;
export type TaughtSessions = { sessions: TaughtSession[]; total: number };

export { isCheckInOpen };

/** A person's excuses still waiting for a decision, the earliest date first: at most `limit`, and how many in all. */
export async function openExcusesOf(db: Database, userId: number, limit: number): Promise<{ excuses: OpenExcuse[]; total: number }> {
  const rows = await queries.selectOpenExcusesOfPerson(db, userId, limit);
  return { excuses: rows.map(({ total: _total, ...excuse }) => excuse), total: rows[0]?.total ?? 0 };
}

function withTotal(rows: queries.TaughtSessionRow[]): TaughtSessions {
  return { sessions: rows.map(({ total: _total, ...session }) => session), total: rows[0]?.total ?? 0 };
}

/** Today's (Europe/Berlin) and later sessions the trainer teaches, at most `limit`, and how many there are. */
export async function taughtFromToday(db: Database, trainerId: number, moment: Date, limit: number): Promise<TaughtSessions> {
  return withTotal(await queries.selectTaughtFromToday(db, trainerId, moment, limit));
}

/** Past sessions of the trainer whose roll call was never saved (no attendance record), most recent first. */
export async function rollCallsMissing(db: Database, trainerId: number, moment: Date, limit: number): Promise<TaughtSessions> {
  return withTotal(await queries.selectTaughtWithoutRollCall(db, trainerId, moment, limit));
}
