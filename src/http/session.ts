import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { Knex } from 'knex';
import { DatabaseSessionStore } from '../accounts/session-store';
import type { Config } from '../config';
import { setFlash } from './flash';

/** In production the cookie is `__Host-` prefixed: only ever sent over HTTPS, to this host, for every path. */
export function sessionCookieName(config: Pick<Config, 'isProduction'>): string {
  return config.isProduction ? '__Host-kokoma.sid' : 'kokoma.sid';
}

/** Activity is written to the session at most this often, not on every page view. */
const ACTIVITY_WRITE_INTERVAL_MS = 5 * 60 * 1000;

declare module 'express-session' {
  interface SessionData {
    /** When the person logged in (ms since epoch); the absolute lifetime counts from here. */
    issuedAt?: number;
    /** Last request seen, at ACTIVITY_WRITE_INTERVAL_MS granularity; the idle timeout counts from here. */
    lastSeenAt?: number;
    passport?: { user?: unknown };
  }
}

/**
 * Sessions live in PostgreSQL (table http_sessions, written by the accounts domain's
 * store) so any app instance can serve any request. The store shares the app's database
 * pool: its timeouts and its handling of connections PostgreSQL ends apply here too, and
 * a logged-in page view reads session and user in one statement.
 */
export function createSessionMiddleware(config: Config, db: Knex) {
  const store = new DatabaseSessionStore(db);
  const middleware = session({
    name: sessionCookieName(config),
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      // The browser forgets the cookie after the idle time; every activity write renews it.
      maxAge: config.sessions.idleMs,
    },
  });
  return [middleware, saveSessionBeforeRedirect, enforceSessionLifetime(config)] as RequestHandler[];
}

/**
 * A login lasts at most `absoluteMs` from the moment it began, and ends after `idleMs`
 * without a request. Activity never extends the absolute limit. An ended login is
 * replaced by a fresh anonymous session with a notice, and a page that needs the login
 * sends the person to log in again (and back afterwards).
 */
export function enforceSessionLifetime(config: Pick<Config, 'sessions'>) {
  const { absoluteMs, idleMs } = config.sessions;
  return (req: Request, res: Response, next: NextFunction): void => {
    const current = req.session;
    if (!current?.passport?.user) return next();
    const now = Date.now();
    if (!current.issuedAt) {
      current.issuedAt = now;
      current.lastSeenAt = now;
      return next();
    }
    const lastSeenAt = current.lastSeenAt ?? current.issuedAt;
    if (now - current.issuedAt > absoluteMs || now - lastSeenAt > idleMs) {
      current.regenerate((error) => {
        if (error) return next(error);
        setFlash(req, { type: 'info', messageKey: 'errors.sessionExpired' });
        if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        res.redirect(303, '/login');
      });
      return;
    }
    if (now - lastSeenAt >= ACTIVITY_WRITE_INTERVAL_MS) current.lastSeenAt = now;
    next();
  };
}

/**
 * express-session sends the response headers before the store has written the session,
 * and a browser follows a redirect on the headers alone: the page after POST → redirect
 * could read the session as it was before the POST (its flash message missing, then
 * shown one page later). A redirect that changed the session waits for the save.
 */
export function saveSessionBeforeRedirect(req: Request, res: Response, next: NextFunction): void {
  const before = req.session ? JSON.stringify(req.session) : undefined;
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!req.session || JSON.stringify(req.session) === before) return redirect(...args);
    req.session.save((error) => (error ? next(error) : redirect(...args)));
  }) as Response['redirect'];
  next();
}
