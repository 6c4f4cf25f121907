import PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import type { RetentionService } from './retention.service';

export const RETENTION_JOB = 'privacy-retention';

/** Nightly at 02:30 (Berlin), once for all instances: the Löschkonzept applied. */
export function retentionJob(retention: RetentionService): ScheduledJob {
  return { name: RETENTION_JOB, cron: '30 2 * * *', run: () => retention.applyAll() };
}

/**
 * Queues a retention run from a request ("Jetzt ausführen") on the app's own pool: pg-boss
 * writes the job row through this adapter, the instances' workers (src/jobs/jobs.ts) take it.
 * No polling and no schedule run here, so nothing needs stopping.
 */
export function queueRetentionRun(db: Database): () => Promise<void> {
  const adapter = {
    async executeSql(text: string, values: unknown[]) {
      const connection = await db.client.acquireConnection();
      try {
        return await connection.query(text, values);
      } finally {
        await db.client.releaseConnection(connection);
      }
    },
  };
  // No supervision, no schedule: this instance only writes jobs. Starting installs pg-boss'
  // schema if no instance has yet (as src/jobs/jobs.ts would) and creates the queue.
  const boss = new PgBoss({ db: adapter, schema: 'pgboss', supervise: false, schedule: false });
  let ready: Promise<unknown> | null = null;
  return async () => {
    ready ??= boss.start().then(() => boss.createQueue(RETENTION_JOB));
    await ready.catch((error: unknown) => {
      ready = null;
      throw error;
    });
    const id = await boss.send(RETENTION_JOB, {});
    // No row: the queue does not exist, so no instance runs jobs (they create it on start).
    if (!id) throw new Error(`job queue ${RETENTION_JOB} does not exist`);
  };
}
