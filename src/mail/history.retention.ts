import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import { countHistoryBefore, deleteHistoryBefore } from './history.queries';
import { MESSAGE_HISTORY_DAYS } from './history.service';
import { deleteClaimsBefore } from './reminder-claims.queries';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The mail domain's part of the Löschkonzept for the message history: rows and reminder claims older than a year. */
export async function deleteExpiredHistory(db: Database, now: Date = new Date()): Promise<{ history: number; claims: number }> {
  const before = new Date(now.getTime() - MESSAGE_HISTORY_DAYS * DAY_MS);
  return { history: await deleteHistoryBefore(db, before), claims: await deleteClaimsBefore(db, before) };
}

export { countHistoryBefore };

/** Nightly (03:40 Europe/Berlin) on whichever instance takes it. */
export function messageHistoryRetentionJob(db: Database, logger: Logger): ScheduledJob {
  return {
    name: 'message-history-retention',
    cron: '40 3 * * *',
    run: async () => {
      const deleted = await deleteExpiredHistory(db);
      if (deleted.history + deleted.claims > 0) logger.info(deleted, 'message history retention');
    },
  };
}
