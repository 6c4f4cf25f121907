import { Client } from 'pg';
import { quoteIdentifier } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __embeddedPostgres?: { stop: () => Promise<void> } }).__embeddedPostgres;
  if (embedded) {
    // The throw-away cluster and all its databases go away with it.
    await embedded.stop();
    return;
  }
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const runId = process.env.TEST_RUN_ID;
  if (!adminUrl || !runId) return;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`kokoma_test_${runId}_%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
