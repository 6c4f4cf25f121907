import type { Knex } from 'knex';

/** What a participant's calendar entry of a session shows of time and place. */
export type SessionPlace = { startsAt: Date; endsAt: Date; location: string; onlineUrl: string | null };

/** A session whose time, place or online link changed; its calendar_sequence is already raised. */
export type SessionRescheduled = { sessionId: number; before: SessionPlace; after: SessionPlace };

/**
 * The catalog owns sessions; the enrollment domain knows who holds a seat. When a session
 * changes in a way a calendar shows, the catalog raises its calendar_sequence and tells the
 * enrollment domain through this port (wired in app.ts), inside the same transaction, so the
 * update mails are queued exactly when the change commits.
 */
export type SessionsListener = {
  /** Sessions of one offering moved in time or place (one mail per person for all of them). */
  sessionsRescheduled(trx: Knex.Transaction, offeringId: number, changes: SessionRescheduled[]): Promise<void>;
  /** A session is about to be deleted (its sequence raised): everyone with a seat gets a CANCEL. */
  sessionCancelled(trx: Knex.Transaction, offeringId: number, sessionId: number): Promise<void>;
};

/** Where no enrollment domain listens (scripts, seeds): changes are saved, nobody is told. */
export const nobodyListens: SessionsListener = {
  sessionsRescheduled: async () => undefined,
  sessionCancelled: async () => undefined,
};

/** Time, place or link differ: what makes a calendar entry out of date (title or trainer do not). */
export function placeChanged(before: SessionPlace, after: SessionPlace): boolean {
  return (
    before.startsAt.getTime() !== after.startsAt.getTime() ||
    before.endsAt.getTime() !== after.endsAt.getTime() ||
    before.location !== after.location ||
    (before.onlineUrl ?? '') !== (after.onlineUrl ?? '')
  );
}
