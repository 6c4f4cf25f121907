import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import type { EnrollmentNotifier } from './enrollment.notifications';
import * as queries from './bulk-notices.queries';

/** Composed batches (counts only) are kept a week for the bulk page's line, then deleted. */
const KEEP_COMPOSED_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The mails of a bulk enrollment, composed after the request: the take-over stores one batch
 * of notices with the enrollments; `composePending` turns each batch into outbox mails (the
 * same notifier every other enrollment change uses) in a transaction of its own. Started
 * right after the take-over on its instance, and every minute by the job queue on any.
 */
export function createBulkNotices({ db, notify, logger }: { db: Database; notify: EnrollmentNotifier; logger?: Logger }) {
  async function composePending(): Promise<number> {
    let composed = 0;
    for (;;) {
      const done = await db.transaction(async (trx) => {
        const batch = await queries.claimPendingBatch(trx);
        if (!batch) return false;
        await notify(trx, batch.notices);
        await queries.markComposed(trx, batch.id);
        composed += batch.notices.length;
        return true;
      });
      if (!done) break;
    }
    if (composed > 0) logger?.info({ composed }, 'bulk enrollment mails queued');
    return composed;
  }

  return {
    composePending,
    latestBatch: (offeringId: number) => queries.selectLatestBatch(db, offeringId),
    deleteOld: (now: Date = new Date()) => queries.deleteComposedBefore(db, new Date(now.getTime() - KEEP_COMPOSED_MS)),
  };
}

export type BulkNotices = ReturnType<typeof createBulkNotices>;

export function bulkNoticesJob(deps: { db: Database; notify: EnrollmentNotifier; logger: Logger }): ScheduledJob {
  const notices = createBulkNotices(deps);
  return {
    name: 'bulk-enrollment-mails',
    cron: '* * * * *',
    run: async () => {
      await notices.composePending();
      await notices.deleteOld();
    },
  };
}
