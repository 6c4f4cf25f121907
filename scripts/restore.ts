import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { isStorageKey } from '../src/materials/storage';
import { DUMP_FILE, MANIFEST_FILE, MATERIALS_DIR, materialStorage, requireDatabaseUrl, runPostgresTool, type Manifest } from './backup-files';

/**
 * `npm run restore -- <backup directory>`: into an EMPTY database (DATABASE_URL) and the
 * configured material storage (UPLOAD_DIR or the bucket). It refuses a database that has
 * tables: restoring over live data would mix two states. Objects and privileges are
 * created for the restoring user (--no-owner --no-privileges), as a managed PostgreSQL
 * rarely has the original owner. Start the app afterwards: it runs newer migrations itself.
 */
async function main(): Promise<void> {
  const source = process.argv[2];
  if (!source) throw new Error('usage: npm run restore -- <backup directory>');
  const directory = path.resolve(source);
  const manifest = JSON.parse(fs.readFileSync(path.join(directory, MANIFEST_FILE), 'utf8')) as Manifest;
  const config = loadConfig();
  const databaseUrl = requireDatabaseUrl(config);

  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: number }>("SELECT count(*)::int AS count FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
    if (rows[0]!.count > 0) throw new Error('Die Datenbank ist nicht leer / the database is not empty: restore into a newly created database');
  } finally {
    await client.end();
  }

  await runPostgresTool(config, 'pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--dbname', databaseUrl, path.join(directory, DUMP_FILE)]);

  const storage = materialStorage(config);
  const files = fs.readdirSync(path.join(directory, MATERIALS_DIR)).filter(isStorageKey);
  for (const key of files) await storage.put(key, fs.createReadStream(path.join(directory, MATERIALS_DIR, key)));
  if (files.length !== manifest.materials) throw new Error(`the backup lists ${manifest.materials} material file(s), the directory holds ${files.length}`);
  console.log(`Restored the database and ${files.length} material file(s) from ${directory} (taken ${manifest.createdAt}).`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
