import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createDatabase, migrationConfig, type Database } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';
import { testConfig, useTestApp } from '../support/app';
import { withDatabase } from '../support/urls';

// (src/db/embedded.ts is ESM-only under Jest, so its quoteIdentifier can't be imported here.)
const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** /readyz: may this instance take traffic (database, migrations, storage)? /healthz only says it lives. */
describe('/readyz on a current database with reachable storage', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-ready-'));
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  it('answers 200 and names every check', async () => {
    const response = await request(ctx.app).get('/readyz');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', storage: 'ok' }, notReady: [] });
    expect((await request(ctx.app).get('/healthz')).body).toEqual({ status: 'ok', db: 'ok' });
  });
});

describe('/readyz when the file storage cannot be reached', () => {
  // The storage directory lies "under" a plain file: every stat fails (ENOTDIR), as an unmounted or unreadable volume would.
  const blocker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-ready-')), 'not-a-directory');
  fs.writeFileSync(blocker, 'x');
  const ctx = useTestApp({ UPLOAD_DIR: blocker });
  afterAll(() => fs.rmSync(path.dirname(blocker), { recursive: true, force: true }));

  it('answers 503 naming the storage, while the liveness check stays 200', async () => {
    const response = await request(ctx.app).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ status: 'not ready', checks: { database: 'ok', migrations: 'ok', storage: 'unreachable' }, notReady: ['storage'] });
    expect((await request(ctx.app).get('/healthz')).status).toBe(200);
  });
});

describe('/readyz on a database one migration behind', () => {
  const adminUrl = process.env.TEST_PG_ADMIN_URL!;
  const databaseName = `kokoma_test_${process.env.TEST_RUN_ID}_readiness`;
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-ready-'));
  let admin: Client;
  let db: Database;

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    // A copy of the run's migrated template, then its newest migration rolled back.
    await admin.query(`CREATE DATABASE ${quoteIdentifier(databaseName)} TEMPLATE ${quoteIdentifier(`kokoma_test_${process.env.TEST_RUN_ID}_template`)}`);
    db = createDatabase(withDatabase(adminUrl, databaseName), { min: 0, max: 4 });
  });

  afterAll(async () => {
    await db?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  it('answers 503 naming the migrations (and which), and 200 once they ran', async () => {
    const [, rolledBack] = (await db.migrate.down(migrationConfig)) as [number, string[]];
    expect(rolledBack).toHaveLength(1);
    const newest = path.basename(rolledBack[0]!).replace(/\.js$/, '.ts');

    const config = testConfig({ UPLOAD_DIR: uploadDir });
    const built = createApp({ config, db, databaseUrl: withDatabase(adminUrl, databaseName), logger: createLogger(config), mailer: { send: async () => undefined, close: () => undefined } });
    try {
      const behind = await request(built.app).get('/readyz');
      expect(behind.status).toBe(503);
      expect(behind.body).toEqual({
        status: 'not ready',
        checks: { database: 'ok', migrations: 'behind', storage: 'ok' },
        notReady: ['migrations'],
        pendingMigrations: [newest],
      });
      expect((await request(built.app).get('/healthz')).status).toBe(200);

      await db.migrate.latest(migrationConfig);
      const current = await request(built.app).get('/readyz');
      expect(current.status).toBe(200);
      expect(current.body.checks).toEqual({ database: 'ok', migrations: 'ok', storage: 'ok' });
    } finally {
      await built.close();
    }
  });
});
