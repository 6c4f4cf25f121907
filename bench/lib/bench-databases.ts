import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/database';
import { quoteIdentifier, startEmbeddedPostgres } from '../../src/db/embedded';
import { freePort } from './harness';

export type BenchDatabase = { name: string; url: string; db: Database };

/**
 * One PostgreSQL server (embedded, or the one DATABASE_URL points at) holding any number of
 * fresh databases migrated through the real migrations: unlike startBenchApp it starts no
 * app in this process, because the county benchmark measures the app in a process of its own.
 */
export async function startBenchServer() {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  let adminUrl: string;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let postmasterPid: number | undefined;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const dataDir = path.resolve(__dirname, '..', '..', 'var', `bench-postgres-${runId}`);
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres', ephemeral: true });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
    // The first line of postmaster.pid is the server's process id: its CPU is measured per page.
    postmasterPid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }
  const created: BenchDatabase[] = [];
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase(label: string): Promise<BenchDatabase> {
      const name = `kokoma_bench_${label}_${runId}`;
      await admin(`CREATE DATABASE ${quoteIdentifier(name)}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const db = createDatabase(url.toString(), { min: 0, max: 4 });
      created.push({ name, url: url.toString(), db });
      await migrateToLatest(db);
      return created.at(-1)!;
    },
    async close() {
      for (const { name, db } of created) {
        await db.destroy();
        await admin(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      }
      if (stopEmbedded) await stopEmbedded();
      fs.rmSync(path.resolve(__dirname, '..', '..', 'var', `bench-uploads-${runId}`), { recursive: true, force: true });
    },
    runId,
    /** The embedded server's postmaster (undefined on DATABASE_URL, whose processes may be shared). */
    postmasterPid,
  };
}
