import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBenchServer } from './lib/bench-databases';
import { freePort } from './lib/harness';
import { writeResultsSection } from './lib/results';

/**
 * `npm run bench -- startup`: the production command (`node dist/src/server.js`, compiled by
 * `npm run build`) against the TypeScript-loader start (`node --import tsx src/server.ts`, as
 * `npm start`). Both start on the same migrated database with the same flags and settings;
 * measured from spawning the process to the "listening" log line and to the first 200 from
 * /healthz, and the RSS after 5 s idle. Starts alternate so machine load hits both alike.
 * Writes its own section of bench/RESULTS.md and leaves the others as they are.
 */
const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_STARTS ?? 5);
const IDLE_MS = 5000;
const MB = 1024 * 1024;
const HEADING = '## Start-up: compiled build against the TypeScript loader (issue 14): `npm run bench -- startup`';

type Start = { listeningMs: number; firstOkMs: number; idleRss: number };
type Mode = { label: string; args: string[] };

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function startOnce(mode: Mode, env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, mode.args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const listeningMs = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        if (output.includes('listening on port')) resolve(performance.now() - started);
      });
      child.stderr.on('data', (data: Buffer) => (output += data.toString()));
      void exited.then(() => reject(new Error(`${mode.label} exited before listening:\n${output}`)));
    });
    let firstOkMs = 0;
    while (!firstOkMs) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
      if (ok) firstOkMs = performance.now() - started;
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { listeningMs, firstOkMs, idleRss: rssOf(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const buildDir = path.join(ROOT, 'var', `bench-build-${process.pid}`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-bench-startup-'));
  const databases = await startBenchServer();
  try {
    const buildStarted = performance.now();
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'build.ts'), '--out-dir', buildDir], { cwd: ROOT, stdio: 'inherit' });
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const database = await databases.createDatabase('startup');
    const env = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'bench-only-secret-bench-only-secret-0123',
      DATABASE_URL: database.url,
      DEMO_SEED: 'false',
      LOG_LEVEL: 'info',
      UPLOAD_DIR: path.join(workDir, 'uploads'),
      MAIL_DIR: path.join(workDir, 'mail'),
    };
    const modes: Mode[] = [
      { label: 'TypeScript loader (`node --import tsx src/server.ts`, as `npm start`)', args: ['--max-old-space-size=256', '--import', 'tsx', path.join(ROOT, 'src', 'server.ts')] },
      { label: 'compiled build (`node dist/src/server.js`, as `npm run start:prod`)', args: ['--max-old-space-size=256', '--enable-source-maps', path.join(buildDir, 'src', 'server.js')] },
    ];
    // One start of each first: it fills the disk cache, so neither pays for the other's cold start.
    for (const mode of modes) await startOnce(mode, env);
    const results = new Map<Mode, Start[]>(modes.map((mode) => [mode, []]));
    for (let run = 0; run < RUNS; run += 1) {
      for (const mode of modes) {
        const start = await startOnce(mode, env);
        results.get(mode)!.push(start);
        console.log(`${mode.label}: listening ${start.listeningMs.toFixed(0)} ms, first 200 ${start.firstOkMs.toFixed(0)} ms, idle RSS ${(start.idleRss / MB).toFixed(1)} MB`);
      }
    }
    const summary = modes.map((mode) => {
      const starts = results.get(mode)!;
      return { mode, listening: median(starts.map((s) => s.listeningMs)), firstOk: median(starts.map((s) => s.firstOkMs)), rss: median(starts.map((s) => s.idleRss)) };
    });
    const [loader, compiled] = summary as [(typeof summary)[0], (typeof summary)[0]];
    const ratio = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
    const section = [
      HEADING,
      '',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores, Node ${process.version}; the median of ${RUNS} starts each (alternating, after one warm-up start of each),`,
      `NODE_ENV=production, \`--max-old-space-size=256\`, on a migrated database without the demo seed. \`npm run build\` took ${buildSeconds.toFixed(0)} s.`,
      '',
      '| start | to "listening" | to first 200 on /healthz | RSS after 5 s idle |',
      '| --- | --- | --- | --- |',
      ...summary.map((row) => `| ${row.mode.label} | ${row.listening.toFixed(0)} ms | ${row.firstOk.toFixed(0)} ms | ${(row.rss / MB).toFixed(0)} MB |`),
      `| **compiled / loader** | **${ratio(compiled.listening, loader.listening)}** | **${ratio(compiled.firstOk, loader.firstOk)}** | **${ratio(compiled.rss, loader.rss)}** |`,
      '',
    ].join('\n');
    writeResultsSection(HEADING, section);
    console.log(`\n${section}`);
  } finally {
    await databases.close();
    fs.rmSync(buildDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
