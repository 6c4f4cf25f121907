import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, quoteIdentifier } from '../../src/db/embedded';
import { createDatabase, migrateToLatest } from '../../src/db/database';
import { withDatabase } from './urls';
import { freePort } from './throwaway-cluster';

/**
 * One PostgreSQL per test run: the embedded one (fresh, throw-away cluster) or the server
 * in DATABASE_URL. A template database is migrated once; each Jest worker gets its own
 * copy, so workers never share rows and each test truncates only its worker's database.
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const dataDir = path.resolve(__dirname, '..', '..', 'var', `test-postgres-${runId}`);
    const port = await freePort();
    const embedded = await startEmbeddedPostgres({ dataDir, port, database: 'postgres', ephemeral: true });
    (globalThis as { __embeddedPostgres?: { stop: () => Promise<void> } }).__embeddedPostgres = embedded;
    adminUrl = embedded.url;
  }

  const template = `kokoma_test_${runId}_template`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
    const templateDb = createDatabase(withDatabase(adminUrl, template), { min: 0, max: 2 });
    await migrateToLatest(templateDb);
    await templateDb.destroy();
    const workers = Math.max(1, globalConfig.maxWorkers);
    for (let worker = 1; worker <= workers; worker += 1) {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(`kokoma_test_${runId}_${worker}`)} TEMPLATE ${quoteIdentifier(template)}`);
    }
  } finally {
    await admin.end();
  }
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_RUN_ID = runId;
  fs.mkdirSync(path.join(os.tmpdir(), 'kokoma-test'), { recursive: true });
}
