import path from 'node:path';
import knex, { Knex } from 'knex';
import { types } from 'pg';

// COUNT(*) and SUM() come back as int8; our counts stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (value: string) => Number(value));
// A DATE is a calendar day, not an instant: keep it as 'YYYY-MM-DD'.
types.setTypeParser(types.builtins.DATE, (value: string) => value);

export type Database = Knex;

const ROOT = path.resolve(__dirname, '..', '..');

export const migrationConfig: Knex.MigratorConfig = {
  directory: path.join(ROOT, 'migrations'),
  tableName: 'knex_migrations',
  loadExtensions: ['.ts', '.js'],
};

export const seedConfig: Knex.SeederConfig = {
  directory: path.join(ROOT, 'seeds'),
  loadExtensions: ['.ts', '.js'],
};

export function createDatabase(url: string, pool: { min: number; max: number } = { min: 0, max: 10 }): Database {
  return knex({
    client: 'pg',
    connection: url,
    pool,
    migrations: migrationConfig,
    seeds: seedConfig,
  });
}

export async function migrateToLatest(db: Database): Promise<void> {
  await db.migrate.latest(migrationConfig);
}

export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  const row = await db('users').count<{ count: number }[]>({ count: '*' }).first();
  return (row?.count ?? 0) === 0;
}
