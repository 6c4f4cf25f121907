import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDatabase, pendingMigrations } from '../../src/db/database';
import { startServerProcess } from '../support/server-process';
import { withDatabase } from '../support/urls';

const ROOT = path.resolve(__dirname, '..', '..');
// (src/db/embedded.ts is ESM-only under Jest, so its quoteIdentifier can't be imported here.)
const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

function filesUnder(directory: string): string[] {
  return fs.readdirSync(directory, { recursive: true, encoding: 'utf8' });
}

/**
 * `npm run build` and the production command `node dist/src/server.js`: plain JavaScript, no
 * TypeScript loader. The build goes to a directory of this run (not dist/, which a developer
 * may be running) and starts on an empty database, which its compiled migrations and seed fill.
 */
describe('the compiled production build', () => {
  const adminUrl = process.env.TEST_PG_ADMIN_URL!;
  const databaseName = `kokoma_test_${process.env.TEST_RUN_ID}_production_build`;
  const buildDir = path.join(ROOT, 'var', `test-build-${process.env.TEST_RUN_ID}-${process.env.JEST_WORKER_ID}`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-build-'));
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdentifier(databaseName)}`);
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'build.ts'), '--out-dir', buildDir], { cwd: ROOT, stdio: 'pipe' });
  }, 240_000);

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(buildDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('holds JavaScript only, with the compiled migrations and the message catalogs', () => {
    const files = filesUnder(buildDir);
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(files).toContain(path.join('src', 'server.js'));
    const migrations = fs.readdirSync(path.join(ROOT, 'migrations')).filter((file) => file.endsWith('.ts'));
    expect(fs.readdirSync(path.join(buildDir, 'migrations')).filter((file) => file.endsWith('.js'))).toEqual(migrations.map((file) => file.replace(/\.ts$/, '.js')));
    expect(fs.readdirSync(path.join(buildDir, 'src', 'i18n', 'locales', 'de'))).toEqual(fs.readdirSync(path.join(ROOT, 'src', 'i18n', 'locales', 'de')));
  });

  it('starts with plain node on an empty database, migrates and seeds it, and serves the pages in German', async () => {
    const databaseUrl = withDatabase(adminUrl, databaseName);
    const server = startServerProcess(
      {
        NODE_ENV: 'production',
        SESSION_SECRET: 'production-build-test-secret-0123456789',
        DATABASE_URL: databaseUrl,
        PORT: '0',
        DEMO_SEED: 'true',
        UPLOAD_DIR: path.join(workDir, 'uploads'),
        MAIL_DIR: path.join(workDir, 'mail'),
      },
      [path.join(buildDir, 'src', 'server.js')],
    );
    try {
      const port = await server.listening;
      const get = async (url: string) => {
        const response = await fetch(`http://127.0.0.1:${port}${url}`, { redirect: 'manual' });
        return { status: response.status, text: await response.text() };
      };
      const pages: [string, string[]][] = [
        ['/', ['Willkommen', 'Anmelden']],
        ['/login', ['Anmelden', 'E-Mail']],
        ['/offerings', ['Angebote', 'Kommunales Konfliktmanagement – Theorie und Praxis']],
        ['/healthz', ['"status":"ok"']],
        ['/readyz', ['"status":"ready"']],
        ['/static/kern/kern.min.css', ['kern']],
      ];
      for (const [url, texts] of pages) {
        const page = await get(url);
        expect({ url, status: page.status }).toEqual({ url, status: 200 });
        for (const text of texts) expect(page.text).toContain(text);
      }
      expect(server.output()).not.toMatch(/"level":(50|60)/);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }

    // Migrations are recorded under their source names: the TypeScript start finds this database current.
    const db = createDatabase(databaseUrl, { min: 0, max: 1 });
    try {
      expect(await pendingMigrations(db)).toEqual([]);
      const recorded = await db('knex_migrations').pluck('name');
      expect(recorded.every((name: string) => name.endsWith('.ts'))).toBe(true);
    } finally {
      await db.destroy();
    }
  }, 120_000);
});
