import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from './harness';

export type ServerProcess = {
  baseUrl: string;
  pid: number;
  rss: () => number;
  /** CPU time the process has used so far (user + system), in ms. */
  cpuMs: () => number;
  /** Statements sent so far (only for the counting app server). */
  statements: () => Promise<number>;
  stop: () => Promise<void>;
};

/**
 * A bench-only entry script (bench/lib/<script>) in a production-mode process of its own,
 * with the same heap limit as `npm start`, so its RSS is the server's alone.
 */
export async function startProcess(script: string, env: Record<string, string> = {}, logFile?: string): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', path.join(__dirname, script)], {
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), BASE_URL: `http://127.0.0.1:${port}`, SESSION_SECRET: 'bench-only-secret-bench-only-secret-0123', LOG_LEVEL: 'silent', DEMO_SEED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  // The server's own log (errors only, when LOG_LEVEL says so) goes to a file; stdout is always drained.
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => {
      log?.write(data);
      if (data.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const pid = child.pid!;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid,
    cpuMs: () => cpuMsOf([pid]),
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    statements: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve((message as { statements: number }).statements));
        child.send('statements');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          log?.end();
          resolve();
        });
        child.kill();
      }),
  };
}

export type LoadResult = {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  failures: string;
  peakRss: number;
  /** CPU per completed request, in ms: the app process, and PostgreSQL (when its processes are known). */
  appCpuMsPerRequest: number;
  databaseCpuMsPerRequest: number | undefined;
};

/** Linux reports CPU time in clock ticks of 10 ms (USER_HZ = 100 on every common kernel). */
const MS_PER_TICK = 10;

/** CPU time (user + system) the given processes have used so far, in ms; a process that has ended counts 0. */
export function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * MS_PER_TICK;
}

/**
 * CPU a PostgreSQL server has used so far, in ms: the postmaster's own and its children's. A
 * backend that ends (a closed connection, an autovacuum worker) is reaped by the postmaster,
 * whose cutime/cstime then hold its CPU, so the total never goes down during a run.
 */
export function postgresCpuMs(postmasterPid: number): number {
  let ticks: number;
  try {
    const fields = fs.readFileSync(`/proc/${postmasterPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime, then cutime, cstime (children already waited for).
    ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
  const children = fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return /^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] === String(postmasterPid);
      } catch {
        return false;
      }
    })
    .map(Number);
  return ticks * MS_PER_TICK + cpuMsOf(children);
}

/** autocannon against one page on 127.0.0.1, sampling the server's RSS while it runs. */
export async function load(server: ServerProcess, pagePath: string, headers: Record<string, string>, seconds: number, databaseCpuMs?: () => number): Promise<LoadResult> {
  let peakRss = server.rss();
  const appCpuBefore = server.cpuMs();
  const databaseCpuBefore = databaseCpuMs?.();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rss())), 100);
  try {
    const result = await autocannon({ url: `${server.baseUrl}${pagePath}`, connections: 16, duration: seconds, timeout: 60, headers });
    const completed = Math.max(1, result.requests.total);
    return {
      appCpuMsPerRequest: (server.cpuMs() - appCpuBefore) / completed,
      databaseCpuMsPerRequest: databaseCpuMs && databaseCpuBefore !== undefined ? (databaseCpuMs() - databaseCpuBefore) / completed : undefined,
      requestsPerSecond: result.requests.total / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      failures: [
        result.non2xx ? `${result.non2xx} non-2xx: ${statusCodes(result.statusCodeStats)}` : '',
        result.timeouts ? `${result.timeouts} timed out` : '',
        result.errors - result.timeouts > 0 ? `${result.errors - result.timeouts} connection errors` : '',
      ]
        .filter(Boolean)
        .join(', '),
      peakRss: Math.max(peakRss, server.rss()),
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Waits until the server has finished the requests autocannon abandoned at the end of its
 * run (the app keeps rendering them), so they neither slow the next page nor add to its
 * statement count: quiet when a page without SQL answers fast twice in a row.
 */
export async function settle(server: ServerProcess, limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  let fast = 0;
  while (fast < 2 && Date.now() < deadline) {
    const start = Date.now();
    await (await fetch(`${server.baseUrl}/impressum`)).arrayBuffer();
    fast = Date.now() - start < 30 ? fast + 1 : 0;
  }
}

/** "500 ×2, 503 ×1": the answers that were not 2xx, by status code. */
function statusCodes(stats: Record<string, { count?: number }> | undefined): string {
  return Object.entries(stats ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `HTTP ${code} ×${count ?? 0}`)
    .join(', ');
}
