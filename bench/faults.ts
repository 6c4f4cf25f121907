import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDatabase, migrateToLatest } from '../src/db/database';
import { createLogger } from '../src/http/logger';
import { startThrowawayCluster } from '../test/support/throwaway-cluster';
import { loginAt } from './lib/harness';
import { hashPassword } from '../src/accounts/passwords';

/**
 * How the app behaves while its database fails, measured against the same page with the
 * database up (same run, same machine): how long a request takes to be answered with the
 * German 503 while PostgreSQL is stopped with SIGSTOP, how long /healthz takes to say
 * `down`, and how long after SIGCONT and after a restart the first page succeeds again.
 */
async function main(): Promise<void> {
  const cluster = await startThrowawayCluster();
  await cluster.createDatabase('faults');
  const url = cluster.url('faults');
  const setup = createDatabase(url, { max: 2 });
  await migrateToLatest(setup);
  const [organisation] = await setup('organisations').insert({ name: 'Gemeinde Messdorf', kind: 'municipality' }).returning('id');
  await setup('users').insert({
    email: 'messung@gemeinde.example',
    first_name: 'Mara',
    last_name: 'Messung',
    role: 'participant',
    organisation_id: (organisation as { id: number }).id,
    password_hash: await hashPassword('Bench-Passwort-2026'),
    email_verified_at: new Date(),
  });
  await setup.destroy();

  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'bench-only-secret-bench-only-secret-0123', LOG_LEVEL: 'silent' });
  const logger = createLogger(config);
  const db = createDatabase(url, { max: 10, timeouts: config.database.timeouts, logger });
  const built = createApp({ config, db, databaseUrl: url, logger, mailer: { send: async () => undefined, close: () => undefined } });
  const server = built.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cookie = await loginAt(base, 'messung@gemeinde.example', 'Bench-Passwort-2026');
  const page = async () => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${base}/my/dates`, { headers: { cookie, 'x-forwarded-proto': 'https' } });
    await response.arrayBuffer();
    return { status: response.status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  const health = async () => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${base}/healthz`);
    return { body: await response.text(), ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  const firstSuccessAfter = async () => {
    const started = process.hrtime.bigint();
    for (;;) {
      if ((await page()).status === 200) return Number(process.hrtime.bigint() - started) / 1e6;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  for (let warm = 0; warm < 20; warm += 1) await page();
  const up: number[] = [];
  for (let round = 0; round < 50; round += 1) up.push((await page()).ms);
  up.sort((a, b) => a - b);
  const baseline = up[Math.floor(up.length / 2)]!;

  cluster.pause();
  const paused = await page();
  const pausedHealth = await health();
  cluster.resume();
  const afterResume = await firstSuccessAfter();

  await cluster.stop();
  const stopped = await page();
  await cluster.start();
  const afterRestart = await firstSuccessAfter();

  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log('database faults (the same logged-in page, /my/dates):');
  console.log(`  database up (baseline, median of 50)      ${f(baseline)}`);
  console.log(`  database paused (SIGSTOP): answered ${paused.status} in ${f(paused.ms)}  (${(paused.ms / baseline).toFixed(0)}× baseline)`);
  console.log(`  /healthz while paused: ${pausedHealth.body} in ${f(pausedHealth.ms)}`);
  console.log(`  first 200 after SIGCONT                    ${f(afterResume)}`);
  console.log(`  database stopped: answered ${stopped.status} in ${f(stopped.ms)}`);
  console.log(`  first 200 after the restart                ${f(afterRestart)}`);

  server.close();
  await built.close();
  await db.destroy();
  await cluster.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
