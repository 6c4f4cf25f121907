import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import type { Knex } from 'knex';
import type { SessionUser } from './roles';
import type { Logger } from 'pino';
import type { ScheduledJob } from '../jobs/jobs';
import * as queries from './sessions.queries';

/** A session without a cookie expiry (not ours) is kept this long. */
const FALLBACK_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** The user read together with a request's session, until Passport asks for it. */
const usersReadWithSession = new WeakMap<Request, SessionUser | null>();
const USER = Symbol('user read with the session');
type LoadedSession = SessionData & { [USER]?: SessionUser | null };

/**
 * Sessions in PostgreSQL (table http_sessions), so any app instance serves any request.
 * It reads a session and its logged-in user in one statement (`findSessionWithUser`): the
 * user travels beside the session data, never inside it, so it is never written back and
 * is always as fresh as the request. `touch` writes nothing: the idle timeout is enforced
 * from `lastSeenAt` in the session (src/http/session.ts), so a page view costs no write.
 */
export class DatabaseSessionStore extends session.Store {
  constructor(private readonly db: Knex) {
    super();
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    queries.findSessionWithUser(this.db, sid).then((found) => {
      if (!found) return callback(null, null);
      const loaded = found.sess as unknown as LoadedSession;
      // A symbol key: express-session copies only the enumerable string keys into req.session.
      Object.defineProperty(loaded, USER, { value: found.user, enumerable: false });
      callback(null, loaded);
    }, callback);
  }

  override createSession(req: Request, data: SessionData): session.Session & Partial<SessionData> {
    const user = (data as LoadedSession)[USER];
    if (user !== undefined) usersReadWithSession.set(req, user);
    return super.createSession(req, data);
  }

  override set(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
    const expiresAt = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + FALLBACK_LIFETIME_MS);
    queries.saveSession(this.db, sid, data, expiresAt).then(() => callback?.(), (error) => callback?.(error));
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    queries.deleteSession(this.db, sid).then(() => callback?.(), (error) => callback?.(error));
  }

  override touch(_sid: string, _data: SessionData, callback?: () => void): void {
    callback?.();
  }
}

/**
 * The user that was read with this request's session, if it belongs to `userId`;
 * undefined when the session was not read by this store in this request (then the
 * caller looks the user up itself).
 */
export function userReadWithSession(req: Request, userId: number): SessionUser | null | undefined {
  if (!usersReadWithSession.has(req)) return undefined;
  const user = usersReadWithSession.get(req) ?? null;
  return user && user.id !== userId ? undefined : user;
}

/** Frees the rows of expired sessions (a scheduled job; the store ignores them anyway). */
export function pruneExpiredSessions(db: Knex): Promise<number> {
  return queries.deleteExpiredSessions(db);
}

/** Every quarter hour, one instance frees the rows of ended sessions. */
export function sessionPruningJob(db: Knex, logger: Logger): ScheduledJob {
  return {
    name: 'session-pruning',
    cron: '*/15 * * * *',
    run: async () => {
      const pruned = await pruneExpiredSessions(db);
      if (pruned > 0) logger.info({ pruned }, 'expired sessions deleted');
    },
  };
}
