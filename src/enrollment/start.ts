import type { Database } from '../db/database';
import { selectNextDates, type NextDateRow } from './start.queries';

/*
 * What the enrollment domain publishes for the start page (read model): a person's next dates
 * from their confirmed seats. "Confirmed seat" stays this domain's rule.
 */

export type NextDate = NextDateRow;

/** The person's next `limit` dates that have not ended at `moment`, a running one first. */
export function nextDatesOf(db: Database, userId: number, moment: Date, limit: number): Promise<NextDate[]> {
  return selectNextDates(db, userId, moment, limit);
}
