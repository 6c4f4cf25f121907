import PgBoss from 'pg-boss';
import type { Logger } from 'pino';

export type ScheduledJob = { name: string; cron: string; run: () => Promise<unknown> };

/**
 * Scheduled work runs from pg-boss, a job queue in PostgreSQL: the schedule fires once
 * per slot for all app instances together, and any instance may pick the job up.
 */
export async function startJobs(databaseUrl: string, jobs: ScheduledJob[], logger: Logger): Promise<{ stop: () => Promise<void>; runNow: (name: string) => Promise<void> }> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 3 });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const job of jobs) {
    await boss.createQueue(job.name);
    await boss.schedule(job.name, job.cron, {}, { tz: 'Europe/Berlin' });
    await boss.work(job.name, { pollingIntervalSeconds: 1 }, async () => {
      await job.run();
    });
  }
  logger.info({ jobs: jobs.map((job) => job.name) }, 'job queue started');
  return {
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
    /** Queues a run outside the schedule (operators, tests). */
    runNow: async (name: string) => {
      await boss.send(name, {});
    },
  };
}
