import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/config';
import { DUMP_FILE, MANIFEST_FILE, MATERIALS_DIR, materialStorage, requireDatabaseUrl, runPostgresTool, type Manifest } from './backup-files';

/**
 * `npm run backup -- <directory>`: the database (pg_dump, custom format) and every stored
 * material file into a new directory, with the app's own settings (DATABASE_URL,
 * STORAGE_DRIVER, UPLOAD_DIR or S3_*). The database is dumped first, the files copied
 * after: a file uploaded in between is only an extra file without a row (the nightly
 * orphan clean-up removes it after a restore), never a row whose file is missing.
 */
async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: npm run backup -- <new or empty directory>');
  const directory = path.resolve(target);
  if (fs.existsSync(directory) && fs.readdirSync(directory).length > 0) throw new Error(`${directory} ist nicht leer / is not empty: a backup never overwrites another`);
  const config = loadConfig();
  const databaseUrl = requireDatabaseUrl(config);
  fs.mkdirSync(path.join(directory, MATERIALS_DIR), { recursive: true });

  await runPostgresTool(config, 'pg_dump', ['--format=custom', '--file', path.join(directory, DUMP_FILE), '--dbname', databaseUrl]);

  const storage = materialStorage(config);
  let materials = 0;
  let bytes = 0;
  for await (const object of storage.list()) {
    // Leftovers of interrupted uploads belong to no material.
    if (!object.complete) continue;
    await pipeline(await storage.get(object.key), fs.createWriteStream(path.join(directory, MATERIALS_DIR, object.key)));
    materials += 1;
    bytes += object.size;
  }

  const manifest: Manifest = { createdAt: new Date().toISOString(), storageDriver: config.storage.driver, materials, bytes };
  fs.writeFileSync(path.join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`Backup in ${directory}: database and ${materials} material file(s), ${bytes} bytes.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
