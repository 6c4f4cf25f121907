import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { Conflict, Forbidden, NotFound } from '../shared/errors';
import { isConfirmedForSession, selectSessionContext } from './attendance.queries';
import { countsAsAttended } from './attendance-rules';
import * as queries from './excuses.queries';
import { selectAttendance, upsertAttendance } from './roll-call.queries';
import { isCoordinator } from './session-access';

/** Excuses: a participant sends one for a session, a coordinator accepts or declines it. */
export function createExcusesService(db: Database) {
  return {
    /** A session the person has a confirmed seat for (to send an excuse). */
    async sessionForParticipant(user: SessionUser, sessionId: number) {
      const session = await selectSessionContext(db, sessionId);
      if (!session || !(await isConfirmedForSession(db, sessionId, user.id))) throw new NotFound();
      return session;
    },

    async submitExcuse(user: SessionUser, sessionId: number, reason: string, actor: Actor): Promise<void> {
      if (!(await isConfirmedForSession(db, sessionId, user.id))) throw new NotFound();
      // One open excuse per person and session (unique index): a second one is a conflict, not a 500.
      await inTransaction(
        db,
        async (trx) => {
          const id = await queries.insertExcuse(trx, { session_id: sessionId, user_id: user.id, reason });
          await recordAudit(trx, actor, { action: 'excuse.submitted', subjectType: 'excuse', subjectId: id, after: { sessionId } });
        },
        { excuses_one_open: () => new Conflict('attendance.errors.excuseExists') },
      );
    },

    async openExcuses(user: SessionUser) {
      if (!isCoordinator(user)) throw new Forbidden();
      return queries.selectOpenExcuses(db);
    },

    excusesOf: (userId: number) => queries.selectExcusesOfUser(db, userId),

    /** Accepting an excuse marks the session excused, in the same transaction, unless the person attended after all. */
    async decideExcuse(user: SessionUser, excuseId: number, decision: 'accepted' | 'declined', actor: Actor): Promise<void> {
      if (!isCoordinator(user)) throw new Forbidden();
      await db.transaction(async (trx) => {
        const excuse = await queries.findExcuse(trx, excuseId);
        if (!excuse) throw new NotFound();
        if ((await queries.decideExcuse(trx, excuseId, decision, user.id)) === 0) throw new Conflict('attendance.errors.excuseDecided');
        await recordAudit(trx, actor, { action: `excuse.${decision}`, subjectType: 'excuse', subjectId: excuseId, before: { status: 'submitted' }, after: { status: decision } });
        if (decision === 'accepted') {
          const before = (await selectAttendance(trx, excuse.session_id, [excuse.user_id])).get(excuse.user_id) ?? null;
          if (!countsAsAttended(before)) {
            await upsertAttendance(trx, { session_id: excuse.session_id, user_id: excuse.user_id, status: 'excused', source: 'excuse', recorded_by: user.id });
            await recordAudit(trx, actor, { action: 'attendance.recorded', subjectType: 'attendance', subjectId: `${excuse.session_id}:${excuse.user_id}`, before: { status: before }, after: { status: 'excused' } });
          }
        }
      });
    },
  };
}
