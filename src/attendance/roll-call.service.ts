import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { Forbidden, Invalid } from '../shared/errors';
import { countsAsAttended, type AttendanceStatus } from './attendance-rules';
import * as queries from './roll-call.queries';
import { isRollCallOpen, rollCallOpensAt } from './roll-call-window';
import { isCoordinator, sessionForStaff } from './session-access';

/** The overview lists sessions that ended up to this long ago, so late corrections stay at hand. */
const OVERVIEW_DAYS_BACK = 14;

/** The roll call of a session: its staff see the list any time and record attendance once it is open. */
export function createRollCallService(db: Database, now: () => Date) {
  return {
    async sessionsForStaff(user: SessionUser) {
      if (!isCoordinator(user) && user.role !== 'trainer') throw new Forbidden();
      return queries.selectSessionsForStaff(db, isCoordinator(user) ? null : user.id, new Date(now().getTime() - OVERVIEW_DAYS_BACK * 24 * 60 * 60 * 1000));
    },

    /** The list with what was recorded; `open` says whether it may be saved now, else from when (`opensAt`). */
    async rollCall(user: SessionUser, sessionId: number) {
      const session = await sessionForStaff(db, user, sessionId);
      const rows = await queries.selectRoster(db, sessionId);
      const roster = rows.map((row) => ({ ...row, attended: countsAsAttended(row.status) }));
      return {
        session,
        roster,
        attendedCount: roster.filter((row) => row.attended).length,
        open: isRollCallOpen(session, now()),
        opensAt: rollCallOpensAt(session),
      };
    },

    /**
     * Saves the whole roll call in one transaction. Only rows whose status changes are
     * written and audited, so saving the same form twice changes nothing. Before the roll
     * call opens nothing is saved: an early record would count as attendance.
     */
    async saveRollCall(user: SessionUser, sessionId: number, statuses: Record<number, AttendanceStatus>, actor: Actor): Promise<number> {
      const session = await sessionForStaff(db, user, sessionId);
      if (!isRollCallOpen(session, now())) throw new Invalid({ _form: 'attendance.errors.rollCallNotOpen' });
      return db.transaction(async (trx) => {
        const roster = await queries.selectRoster(trx, sessionId);
        const enrolled = new Set(roster.map((row) => row.user_id));
        const unknown = Object.keys(statuses).map(Number).filter((userId) => !enrolled.has(userId));
        if (unknown.length > 0) throw new Invalid({ _form: 'attendance.errors.notEnrolled' });
        let changed = 0;
        for (const row of roster) {
          const status = statuses[row.user_id];
          if (!status || status === row.status) continue;
          await queries.upsertAttendance(trx, { session_id: sessionId, user_id: row.user_id, status, source: 'roll_call', recorded_by: user.id });
          await recordAudit(trx, actor, { action: 'attendance.recorded', subjectType: 'attendance', subjectId: `${sessionId}:${row.user_id}`, before: { status: row.status }, after: { status } });
          changed += 1;
        }
        return changed;
      });
    },
  };
}
