import { can, isStaffOfSession } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { Forbidden, NotFound } from '../shared/errors';
import { selectSessionContext, type SessionContext } from './attendance.queries';

/** Attendance of every session, every person's history and the excuses: coordinators and admins. */
export const isCoordinator = (user: SessionUser) => can(user, 'attendance.manageAll');

/** Who may act on a session: whoever manages all attendance, and trainers for the sessions they teach. */
export const isStaffOf = (user: SessionUser, session: { trainer_ids: number[] }) => isStaffOfSession(user, session);

/** The session for its staff (roll call, check-in, signed sheets); 404 if unknown, 403 for anybody else. */
export async function sessionForStaff(db: Database, user: SessionUser, sessionId: number): Promise<SessionContext> {
  const session = await selectSessionContext(db, sessionId);
  if (!session) throw new NotFound();
  if (!isStaffOf(user, session)) throw new Forbidden();
  return session;
}
