import { Client } from 'pg';
import { createDatabase, migrationConfig, type Database } from '../../src/db/database';
import { withDatabase } from '../support/urls';

// (src/db/embedded.ts is ESM-only under Jest, so its quoteIdentifier can't be imported here.)
const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Column = { table_name: string; column_name: string; data_type: string; is_nullable: string };

async function schemaOf(db: Database) {
  const tables = await db.raw<{ rows: { tablename: string }[] }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  const columns = await db.raw<{ rows: Column[] }>(
    "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name",
  );
  const indexes = await db.raw<{ rows: { indexname: string }[] }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname");
  const triggers = await db.raw<{ rows: { tgname: string }[] }>('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname');
  const functions = await db.raw<{ rows: { proname: string }[] }>(
    "SELECT proname FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pronamespace WHERE nspname = 'public' ORDER BY proname",
  );
  return {
    tables: tables.rows.map((row) => row.tablename).sort(),
    columns: columns.rows.map((row) => `${row.table_name}.${row.column_name} ${row.data_type}${row.is_nullable === 'NO' ? ' not null' : ''}`).sort(),
    indexes: indexes.rows.map((row) => row.indexname).sort(),
    triggers: triggers.rows.map((row) => row.tgname).sort(),
    functions: functions.rows.map((row) => row.proname).sort(),
  };
}

describe('migrations', () => {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const databaseName = `kokoma_test_${process.env.TEST_RUN_ID}_migrations`;
  let admin: Client;
  let db: Database | undefined;

  beforeAll(async () => {
    if (!adminUrl || !process.env.TEST_RUN_ID) throw new Error('run through jest (globalSetup prepares TEST_PG_ADMIN_URL)');
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdentifier(databaseName)}`);
  });

  afterAll(async () => {
    await db?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    await admin.end();
  });

  it('migrates an empty database, rolls every migration back and migrates again to the same schema', async () => {
    db = createDatabase(withDatabase(adminUrl!, databaseName), { min: 0, max: 2 });
    // A new database may inherit objects from template1 on a shared server: compare against it.
    const empty = await schemaOf(db);
    expect(empty.tables).not.toContain('users');

    await db.migrate.latest(migrationConfig);
    const [completed, pending] = (await db.migrate.list(migrationConfig)) as [{ name: string }[], unknown[]];
    expect(pending).toEqual([]);
    expect(completed.length).toBeGreaterThanOrEqual(1);
    const migrated = await schemaOf(db);
    expect(migrated.tables).toEqual(expect.arrayContaining(['organisations', 'users', 'http_sessions', 'account_tokens', 'rate_limits', 'audit_events']));
    expect(migrated.indexes).toEqual(expect.arrayContaining(['users_email_unique', 'organisations_name_unique']));
    expect(migrated.triggers).toContain('audit_events_no_update_or_delete');

    await db.migrate.rollback(migrationConfig, true);
    const rolledBack = await schemaOf(db);
    // Only knex's own bookkeeping stays; every down() removed what its up() created.
    expect(rolledBack).toEqual({
      ...empty,
      tables: [...empty.tables, 'knex_migrations', 'knex_migrations_lock'].sort(),
      columns: expect.any(Array),
      indexes: expect.any(Array),
    });
    expect(rolledBack.columns.filter((column) => !column.startsWith('knex_migrations'))).toEqual(empty.columns);
    expect(rolledBack.indexes.filter((index) => !index.startsWith('knex_migrations'))).toEqual(empty.indexes);
    expect(await db('knex_migrations').count<{ count: number }[]>({ count: '*' })).toEqual([{ count: 0 }]);

    await db.migrate.latest(migrationConfig);
    expect(await schemaOf(db)).toEqual(migrated);
  });
});
