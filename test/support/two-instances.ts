import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import superagent from 'superagent';
import { quoteIdentifier } from '../../src/db/embedded';
import { startServerProcess, type ServerProcess } from './server-process';
import { freePort } from './throwaway-cluster';
import { withDatabase } from './urls';

/** An empty database of its own on the test run's PostgreSQL server, dropped at the end. */
export async function createEmptyDatabase(suffix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (!adminUrl) throw new Error('test database server not prepared: run through jest (globalSetup)');
  const name = `kokoma_test_${process.env.TEST_RUN_ID}_${suffix}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${quoteIdentifier(name)}`);
  return { url: withDatabase(adminUrl, name), drop: () => admin(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`) };
}

export type Instance = { process: ServerProcess; url: string };

/**
 * Starts `count` real app processes (`src/server.ts`) at the same moment with the same
 * settings, as a load balancer's pool would be started, and waits until all listen.
 */
export async function startInstances(count: number, env: Record<string, string>): Promise<Instance[]> {
  const started = Array.from({ length: count }, () => startServerProcess({ NODE_ENV: 'test', PORT: '0', DEMO_SEED: 'false', ...env }));
  try {
    const ports = await Promise.all(started.map((server) => server.listening));
    return started.map((server, index) => ({ process: server, url: `http://127.0.0.1:${ports[index]}` }));
  } catch (error) {
    await stopInstances(started.map((server) => ({ process: server, url: '' })));
    throw error;
  }
}

/** SIGTERM and wait; the output of an instance that did not stop cleanly is returned for the failure message. */
export async function stopInstances(instances: Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async ({ process: server }) => {
      if (server.child.exitCode !== null) return;
      server.child.kill('SIGTERM');
      const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
      await server.exited;
      clearTimeout(timer);
    }),
  );
}

/**
 * A browser: one cookie jar, whichever instance answers. Cookies belong to the host, not
 * the port, so the session cookie set by A is sent to B as a browser behind one load
 * balancer would send it. Redirects are not followed, to see the 303 after a form.
 */
export function browser() {
  const agent = superagent.agent().redirects(0).ok(() => true);
  return {
    get: (url: string) => agent.get(url),
    getBytes: (url: string) => agent.get(url).buffer(true).parse(bytes),
    /** Submits a form with the CSRF token of the page it is on (read from that page like the form would). */
    async submit(formPage: string, action: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
      const page = await agent.get(formPage).set(headers);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      if (!token) throw new Error(`no CSRF token on ${formPage}`);
      return agent.post(action).set(headers).type('form').send({ ...fields, _csrf: token });
    },
    agent,
  };
}

function bytes(response: superagent.Response, callback: (error: Error | null, body: Buffer) => void): void {
  // Called with the response stream, whatever the type says (as test/support/http.ts binaryParser).
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (error: Error) => callback(error, Buffer.alloc(0)));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Mails the instances wrote to the shared MAIL_DIR (no SMTP_URL set), as raw .eml text. */
export function mailsIn(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory)
    .filter((file) => file.endsWith('.eml'))
    .sort()
    .map((file) => fs.readFileSync(path.join(directory, file), 'utf8'));
}

export function tempDirectory(name: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `kokoma-${name}-`));
  // As root, a PostgreSQL cluster runs as `postgres`, which must reach directories beneath.
  fs.chmodSync(directory, 0o755);
  return directory;
}

/**
 * The PostgreSQL client tools (pg_dump, pg_restore) the backup scripts use: PG_BIN_DIR, else
 * the newest server installed by the system (Debian: /usr/lib/postgresql/<major>/bin). The
 * embedded database ships only initdb, pg_ctl and postgres, so the backup test runs a
 * cluster of that same system version: pg_dump refuses a server newer than itself.
 */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((entry) => fs.existsSync(path.join(root, entry, 'bin', 'pg_dump'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('pg_dump not found: install the PostgreSQL client and server packages or set PG_BIN_DIR');
  return path.join(root, newest, 'bin');
}

/** A PostgreSQL cluster from `binDir` on a free port (pg_ctl), for the backup test. */
export async function startSystemCluster(binDir: string): Promise<{ url: (database?: string) => string; stop: () => void }> {
  const dataDir = tempDirectory('pg');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if (asRoot) fs.chownSync(dataDir, owner.uid!, owner.gid!);
  execFileSync(path.join(binDir, 'initdb'), ['-D', path.join(dataDir, 'data'), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'], { ...owner, stdio: 'ignore' });
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`;
  execFileSync(path.join(binDir, 'pg_ctl'), ['-D', path.join(dataDir, 'data'), '-o', options, '-l', path.join(dataDir, 'log'), '-w', 'start'], { ...owner, stdio: 'ignore' });
  return {
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: () => {
      execFileSync(path.join(binDir, 'pg_ctl'), ['-D', path.join(dataDir, 'data'), '-m', 'fast', '-w', 'stop'], { ...owner, stdio: 'ignore' });
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
