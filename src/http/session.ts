import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { Pool } from 'pg';
import type { Config } from '../config';

export const SESSION_COOKIE = 'kokoma.sid';
const EIGHT_HOURS_MS = 8 * 60 * 60 * 1000;

/** Sessions live in PostgreSQL (table http_sessions) so any app instance can serve any request. */
export function createSessionMiddleware(config: Config, databaseUrl: string) {
  const PgStore = connectPgSimple(session);
  const pool = new Pool({ connectionString: databaseUrl, max: 5 });
  const store = new PgStore({
    pool,
    tableName: 'http_sessions',
    createTableIfMissing: false,
    // Expired rows are pruned by one instance at a time on an interval; harmless if several do it.
    pruneSessionInterval: config.env === 'test' ? false : 15 * 60,
  });
  const middleware = session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      maxAge: EIGHT_HOURS_MS,
    },
  });
  return {
    middleware: [middleware, saveSessionBeforeRedirect] as RequestHandler[],
    close: async () => {
      store.close();
      await pool.end();
    },
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
