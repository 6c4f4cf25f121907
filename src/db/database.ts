import fs from 'node:fs';
import path from 'node:path';
import knex, { Knex } from 'knex';
import { Client, types, type ClientConfig } from 'pg';
import type { Logger } from 'pino';

// COUNT(*) and SUM() come back as int8; our counts stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (value: string) => Number(value));
// A DATE is a calendar day, not an instant: keep it as 'YYYY-MM-DD'.
types.setTypeParser(types.builtins.DATE, (value: string) => value);

export type Database = Knex;

// The repository root under tsx, dist/ in the compiled build: migrations and seeds are then the compiled .js files.
const ROOT = path.resolve(__dirname, '..', '..');
const MIGRATIONS_DIR = path.join(ROOT, 'migrations');

/**
 * Migrations are recorded under their source name (`…_foundation.ts`) whether they run from
 * migrations/*.ts (tsx) or from dist/migrations/*.js (compiled build), so one database serves
 * both starts; knex's own directory source would record `.js` names and then call the
 * database "corrupt" for the other start.
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await fs.promises.readdir(MIGRATIONS_DIR);
    return files.filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts')).sort();
  },
  getMigrationName: (file) => file.replace(/\.js$/, '.ts'),
  // require, not import(): Jest and tsx load the .ts files only through their require hooks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  getMigration: async (file) => require(path.join(MIGRATIONS_DIR, file)) as Knex.Migration,
};

export const migrationConfig: Knex.MigratorConfig = { tableName: 'knex_migrations', migrationSource };

export const seedConfig: Knex.SeederConfig = {
  directory: path.join(ROOT, 'seeds'),
  loadExtensions: ['.ts', '.js'],
};

/** How long the app waits for PostgreSQL before it gives up and tells the person (0: no limit). */
export type DatabaseTimeouts = { connectMs: number; acquireMs: number; queryMs: number };

export type DatabaseOptions = {
  min?: number;
  max?: number;
  timeouts?: DatabaseTimeouts;
  /** Knex's own warnings (a lost connection, a failed acquire) go to the app's log instead of the console. */
  logger?: Logger;
};

/**
 * Without timeouts (migrations, seeds, tests of the data layer) a statement may run as
 * long as it needs. The serving app passes timeouts: a database that does not answer
 * (stopped, failing over, network gone) then fails a request within seconds instead of
 * holding it, and the person sees a 503 page instead of a spinning browser.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const timeouts = options.timeouts;
  return knex({
    client: 'pg',
    connection: {
      connectionString: url,
      keepAlive: true,
      ...(timeouts
        ? {
            connectionTimeoutMillis: timeouts.connectMs,
            // The server cancels a statement that runs too long (and frees its locks); the
            // client gives up on one whose answer never comes (server stopped or unreachable).
            statement_timeout: timeouts.queryMs,
            query_timeout: timeouts.queryMs + 500,
          }
        : {}),
    },
    pool: { min: options.min ?? 0, max: options.max ?? 10 },
    ...(timeouts ? { acquireConnectionTimeout: timeouts.acquireMs } : {}),
    ...(options.logger ? { log: knexLog(options.logger) } : {}),
    migrations: migrationConfig,
    seeds: seedConfig,
  });
}

function knexLog(logger: Logger): Knex.Config['log'] {
  const text = (message: unknown) => (typeof message === 'string' ? message : JSON.stringify(message));
  return {
    warn: (message: unknown) => logger.warn({ source: 'knex' }, text(message)),
    error: (message: unknown) => logger.error({ source: 'knex' }, text(message)),
    deprecate: (method: string, alternative: string) => logger.warn({ source: 'knex' }, `${method} is deprecated, use ${alternative}`),
    debug: (message: unknown) => logger.debug({ source: 'knex' }, text(message)),
  };
}

/**
 * Runs `work` while holding the PostgreSQL advisory lock `name`: instances doing the same
 * at the same moment wait for each other instead of colliding. The lock is held on a
 * connection of its own, outside any pool (a pool of one would otherwise wait for itself),
 * and without statement timeouts (waiting for a long migration is fine). It goes with that
 * connection: an instance that dies while holding it never leaves it behind.
 */
export async function withAdvisoryLock<T>(target: Database | string, name: string, work: () => Promise<T>): Promise<T> {
  const settings: ClientConfig =
    typeof target === 'string' ? { connectionString: target } : { ...(target.client.connectionSettings as ClientConfig), statement_timeout: undefined, query_timeout: undefined };
  const lock = new Client(settings);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`kokoma-campus:${name}`]);
    return await work();
  } finally {
    // Ending the session releases the lock, also when `work` failed.
    await lock.end();
  }
}

/**
 * Several instances may start at the same moment on one empty database. knex's own lock
 * (table knex_migrations_lock) does not make the second one wait: it fails, with "relation
 * knex_migrations already exists" or "Migration table is already locked". Under the advisory lock the others wait until the first is
 * done, then find nothing pending.
 */
export async function migrateToLatest(db: Database): Promise<void> {
  await withAdvisoryLock(db, 'migrations', () => db.migrate.latest(migrationConfig));
}

/** Migration files the database has not run yet (none when it is current). */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], string[]];
  return pending.map((file) => migrationSource.getMigrationName(file));
}

export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  const row = await db('users').count<{ count: number }[]>({ count: '*' }).first();
  return (row?.count ?? 0) === 0;
}
