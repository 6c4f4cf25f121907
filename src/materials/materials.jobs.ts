import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import { createMaterialStorage } from './materials.routes';
import { createMaterialsService } from './materials.service';

export const ORPHAN_CLEANUP_JOB = 'material-orphan-cleanup';

/**
 * Hourly: removes material files that no version row points to (a crash between writing
 * a file and its row, an interrupted write, a deleted session). pg-boss hands each slot to
 * one instance; should two runs still meet, both only remove files older than an hour
 * that have no row, and removing a file twice is no error. Instances share the upload
 * directory (any of them must be able to serve any download), so one run covers all.
 */
export function orphanCleanupJob(db: Database, config: Config, logger: Logger): ScheduledJob {
  const materials = createMaterialsService({ db, storage: createMaterialStorage(config), logger });
  return { name: ORPHAN_CLEANUP_JOB, cron: '40 * * * *', run: () => materials.removeOrphanFiles() };
}
