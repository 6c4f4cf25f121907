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
    middleware,
    close: async () => {
      store.close();
      await pool.end();
    },
  };
}
