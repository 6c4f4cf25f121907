import { createDatabase, type Database } from '../../src/db/database';
import { withDatabase } from './urls';

/** This Jest worker's own database (a migrated copy of the run's template). */
export function testDatabaseUrl(): string {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const runId = process.env.TEST_RUN_ID;
  if (!adminUrl || !runId) throw new Error('test database not prepared: run through jest (globalSetup)');
  return withDatabase(adminUrl, `kokoma_test_${runId}_${process.env.JEST_WORKER_ID ?? '1'}`);
}

export function openTestDatabase(): Database {
  return createDatabase(testDatabaseUrl(), { min: 0, max: 20 });
}

/** Every test starts from empty tables (the schema stays). */
export async function truncateAll(db: Database): Promise<void> {
  const { rows } = await db.raw<{ rows: { tablename: string }[] }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%'",
  );
  if (rows.length === 0) return;
  await db.raw(`TRUNCATE ${rows.map((row) => `"${row.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
}

/** How many SQL statements `run` sends through this Knex instance (page views, saves). */
export async function countQueries(db: Database, run: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const listener = () => (count += 1);
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.off('query', listener);
  }
  return count;
}
