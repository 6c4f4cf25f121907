import PgBoss from 'pg-boss';
import type { Logger } from 'pino';

export type ScheduledJob = { name: string; cron: string; run: () => Promise<unknown> };

/** Per job: runs waiting in the queue (all instances together) and runs that failed in this process. */
export type JobQueueStats = { name: string; queued: number; failed: number };

export type Jobs = {
  stop: () => Promise<void>;
  runNow: (name: string) => Promise<void>;
  /** For /metrics: read at each scrape, one small count per queue. */
  stats: () => Promise<JobQueueStats[]>;
};

/**
 * Scheduled work runs from pg-boss, a job queue in PostgreSQL: the schedule fires once
 * per slot for all app instances together, and any instance may pick the job up.
 */
export async function startJobs(databaseUrl: string, jobs: ScheduledJob[], logger: Logger): Promise<Jobs> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 3 });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  // Failures are counted here, not read from pg-boss: a failed run is retried or expires, and
  // a counter that only grows is what an alert on "failures per hour" needs.
  const failures = new Map<string, number>(jobs.map((job) => [job.name, 0]));
  for (const job of jobs) {
    await boss.createQueue(job.name);
    await boss.schedule(job.name, job.cron, {}, { tz: 'Europe/Berlin' });
    await boss.work(job.name, { pollingIntervalSeconds: 1 }, async () => {
      try {
        await job.run();
      } catch (error) {
        failures.set(job.name, (failures.get(job.name) ?? 0) + 1);
        throw error;
      }
    });
  }
  logger.info({ jobs: jobs.map((job) => job.name) }, 'job queue started');
  return {
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
    /** Queues a run outside the schedule (operators, tests). */
    runNow: async (name: string) => {
      await boss.send(name, {});
    },
    stats: () =>
      Promise.all(
        // `before: 'active'`: created and retrying runs, the ones no worker has taken yet.
        jobs.map(async (job) => ({ name: job.name, queued: await boss.getQueueSize(job.name, { before: 'active' }), failed: failures.get(job.name) ?? 0 })),
      ),
  };
}
