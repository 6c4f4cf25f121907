import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from './harness';

export type ServerProcess = {
  baseUrl: string;
  pid: number;
  rss: () => number;
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

export type LoadResult = { requestsPerSecond: number; p50: number; p99: number; requests: number; failures: string; peakRss: number };

/** autocannon against one page on 127.0.0.1, sampling the server's RSS while it runs. */
export async function load(server: ServerProcess, pagePath: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  let peakRss = server.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rss())), 100);
  try {
    const result = await autocannon({ url: `${server.baseUrl}${pagePath}`, connections: 16, duration: seconds, timeout: 60, headers });
    return {
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
