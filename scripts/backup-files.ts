import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from '../src/config';
import { createS3Storage } from '../src/materials/s3-storage';
import { createLocalStorage, type MaterialStorage } from '../src/materials/storage';

/**
 * What backup.ts and restore.ts share: the layout of a backup directory, the PostgreSQL
 * client tools, and the material storage exactly as the app configures it.
 *
 *   <backup>/database.dump   pg_dump, custom format (pg_restore reads it, also selectively)
 *   <backup>/materials/<key> one file per stored material, named by its storage key
 *   <backup>/backup.json     when, from which storage driver, how many files
 *
 * Files go through the app's own storage interface, so a backup taken from the local
 * directory restores into a bucket and the other way round.
 */
export const DUMP_FILE = 'database.dump';
export const MATERIALS_DIR = 'materials';
export const MANIFEST_FILE = 'backup.json';

export type Manifest = { createdAt: string; storageDriver: 'local' | 's3'; materials: number; bytes: number };

/** The same choice as src/materials/materials.routes.ts createMaterialStorage (the app's materials area). */
export function materialStorage(config: Config): MaterialStorage {
  if (config.storage.s3) return createS3Storage(config.storage.s3, 'materials/');
  return createLocalStorage(path.join(config.uploads.dir, 'materials'));
}

/**
 * pg_dump and pg_restore from PG_BIN_DIR, else from PATH. They must be at least the
 * server's major version (pg_dump refuses a newer server); the embedded database of
 * `npm start` does not ship them.
 */
export async function runPostgresTool(config: Config, tool: 'pg_dump' | 'pg_restore', args: string[]): Promise<void> {
  const binary = config.pgBinDir ? path.join(config.pgBinDir, tool) : tool;
  try {
    await promisify(execFile)(binary, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string };
    if (code === 'ENOENT') throw new Error(`${binary} nicht gefunden / not found: install the PostgreSQL client tools or set PG_BIN_DIR`, { cause: error });
    throw new Error(`${tool} failed:\n${stderr ?? String(error)}`, { cause: error });
  }
}

export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) throw new Error('DATABASE_URL fehlt / is not set: backups are for a PostgreSQL server, not the embedded demo database');
  return config.databaseUrl;
}
