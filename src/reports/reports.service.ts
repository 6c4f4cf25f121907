import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { createFunderReport, todayInBerlin } from './funder-report.service';
import * as queries from './reports.queries';
import { resolvePeriod, type ReportFilter } from './reports.schemas';
import { createTrainerReport } from './trainer-report.service';

/** Funder reports: per offering of a period and programme, and sessions delivered per trainer. */
export function createReportsService(db: Database, now: () => Date = () => new Date()) {
  return {
    /** What the report chooser offers: the programmes, and the period the filter stands for (default: this year). */
    async chooser(user: SessionUser, filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>) {
      assertCan(user, 'reports.view');
      return { programmes: await queries.selectProgrammes(db), period: resolvePeriod(filter, todayInBerlin(now())) };
    },
    funder: createFunderReport(db, now),
    trainers: createTrainerReport(db, now),
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
