import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { Forbidden, Invalid } from '../shared/errors';
import { lastPageWindow, pageOf, pageWindow } from '../shared/paging';
import { selectSignedSheets } from './attendance.queries';
import type { AttendanceStatus } from './attendance-rules';
import * as queries from './roll-call.queries';
import { isRollCallOpen, rollCallOpensAt } from './roll-call-window';
import { isCoordinator, sessionForStaff } from './session-access';

/** The overview lists sessions that ended up to this long ago, so late corrections stay at hand. */
const OVERVIEW_DAYS_BACK = 14;

/**
 * People per roll-call page: a trainer saves a page and goes on to the next, so a 300-person
 * cohort is six short forms instead of one page of hundreds of KB.
 */
export const ROLL_CALL_PAGE_SIZE = 50;

/** The roll call of a session: its staff see the list any time and record attendance once it is open. */
export function createRollCallService(db: Database, now: () => Date) {
  return {
    async sessionsForStaff(user: SessionUser) {
      if (!isCoordinator(user) && user.role !== 'trainer') throw new Forbidden();
      const moment = now();
      const sessions = await queries.selectSessionsForStaff(db, isCoordinator(user) ? null : user.id, new Date(moment.getTime() - OVERVIEW_DAYS_BACK * 24 * 60 * 60 * 1000));
      // `ended`: from then on the day's signed list is due as proof.
      return sessions.map((session) => ({ ...session, ended: session.ends_at <= moment }));
    },

    /**
     * One page of the roll call (names matching `search`, if given) with what was recorded and
     * the session's signed sheets: three statements, however many people the session has.
     * `open` says whether it may be saved now, else from when (`opensAt`).
     */
    async rollCallPage(user: SessionUser, sessionId: number, filter: { search?: string; page: number }) {
      const session = await sessionForStaff(db, user, sessionId);
      const search = filter.search || undefined;
      let window = pageWindow(filter.page, ROLL_CALL_PAGE_SIZE);
      const [first, signedSheets] = await Promise.all([queries.selectRosterPage(db, sessionId, { search, ...window }), selectSignedSheets(db, sessionId)]);
      let found = first;
      const lastPage = lastPageWindow(found.total, window);
      if (lastPage) {
        window = lastPage;
        found = await queries.selectRosterPage(db, sessionId, { search, ...window });
      }
      return {
        session,
        roster: pageOf(found.rows, found.total, window),
        signedSheets,
        open: isRollCallOpen(session, now()),
        opensAt: rollCallOpensAt(session),
      };
    },

    /**
     * Saves the whole roll call in one transaction and a constant number of statements,
     * however many people are on the list (a county's 2,000-person event included). Only
     * rows whose status changes are written, and one audit entry lists those changes, so
     * saving the same form twice changes nothing. Before the roll call opens nothing is
     * saved: an early record would count as attendance.
     */
    async saveRollCall(user: SessionUser, sessionId: number, statuses: Record<number, AttendanceStatus>, actor: Actor): Promise<number> {
      const session = await sessionForStaff(db, user, sessionId);
      if (!isRollCallOpen(session, now())) throw new Invalid({ _form: 'attendance.errors.rollCallNotOpen' });
      const entries = Object.entries(statuses).map(([userId, status]) => ({ userId: Number(userId), status }));
      if (entries.length === 0) return 0;
      // Digits beyond any real id cannot be sent to the database as a number: nobody with a seat has them.
      if (entries.some((entry) => !Number.isSafeInteger(entry.userId))) throw new Invalid({ _form: 'attendance.errors.notEnrolled' });
      return db.transaction(async (trx) => {
        const withoutSeat = await queries.selectWithoutConfirmedSeat(
          trx,
          session.offering_id,
          entries.map((entry) => entry.userId),
        );
        if (withoutSeat.length > 0) throw new Invalid({ _form: 'attendance.errors.notEnrolled' });
        const changes = await queries.upsertRollCall(trx, { sessionId, offeringId: session.offering_id, recordedBy: user.id }, entries);
        if (changes.length > 0) {
          await recordAudit(trx, actor, {
            action: 'attendance.roll_call_saved',
            subjectType: 'session',
            subjectId: sessionId,
            after: { changes: changes.map((change) => ({ userId: change.user_id, before: change.before, after: change.after })) },
          });
        }
        return changes.length;
      });
    },
  };
}
