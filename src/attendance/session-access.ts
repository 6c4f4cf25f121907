import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { Forbidden, NotFound } from '../http/errors';
import { selectSessionContext, type SessionContext } from './attendance.queries';

/** Who may act on sessions and people across the domain: coordinators and admins for all. */
export const isCoordinator = (user: SessionUser) => user.role === 'coordinator' || user.role === 'admin';

/** Who may act on a session: coordinators and admins for all, trainers for the sessions they teach. */
export const isStaffOf = (user: SessionUser, session: { trainer_ids: number[] }) => isCoordinator(user) || (user.role === 'trainer' && session.trainer_ids.includes(user.id));

/** The session for its staff (roll call, check-in, signed sheets); 404 if unknown, 403 for anybody else. */
export async function sessionForStaff(db: Database, user: SessionUser, sessionId: number): Promise<SessionContext> {
  const session = await selectSessionContext(db, sessionId);
  if (!session) throw new NotFound();
  if (!isStaffOf(user, session)) throw new Forbidden();
  return session;
}
