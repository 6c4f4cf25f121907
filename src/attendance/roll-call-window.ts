/**
 * When attendance may be recorded for a session. The roll call opens when the session
 * starts; the session's trainers and the coordinators may open it a little earlier, to
 * greet people at the door. Recording earlier would make people eligible for a
 * Teilnahmebestätigung before the event, so nothing opens before that. Self check-in
 * follows the same opening and closes when the session ends (after that only the trainer
 * corrects the list).
 */
export const ROLL_CALL_EARLY_MINUTES = 60;

const MINUTE_MS = 60 * 1000;

type Timed = { starts_at: Date };
type TimedWithEnd = Timed & { ends_at: Date };

/** The first moment at which attendance may be recorded for the session. */
export function rollCallOpensAt(session: Timed): Date {
  return new Date(session.starts_at.getTime() - ROLL_CALL_EARLY_MINUTES * MINUTE_MS);
}

/** May the roll call of this session be saved at `moment`? (It stays open after the session for corrections.) */
export function isRollCallOpen(session: Timed, moment: Date): boolean {
  return moment.getTime() >= rollCallOpensAt(session).getTime();
}

/** May participants check themselves in at `moment`: from the roll call's opening until the session ends. */
export function isCheckInOpen(session: TimedWithEnd, moment: Date): boolean {
  return isRollCallOpen(session, moment) && moment.getTime() < session.ends_at.getTime();
}

