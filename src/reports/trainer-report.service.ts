import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { pageOf, pageWindow } from '../shared/paging';
import { todayInBerlin } from './funder-report.service';
import * as queries from './reports.queries';
import { resolvePeriod, type ReportFilter } from './reports.schemas';

/** Trainers per page of the sessions-delivered report. */
export const TRAINER_PAGE_SIZE = 10;

export type TrainerTotals = { trainers: number; sessions: number; minutes: number; teachingUnits: number };

export type TrainerBlock = queries.TrainerSubtotalRow & { sessions: queries.DeliveredRow[] };

export function trainerTotalsOf(subtotals: queries.TrainerSubtotalRow[]): TrainerTotals {
  return {
    trainers: subtotals.length,
    sessions: subtotals.reduce((sum, row) => sum + row.session_count, 0),
    minutes: subtotals.reduce((sum, row) => sum + row.minutes, 0),
    teachingUnits: subtotals.reduce((sum, row) => sum + row.teaching_units, 0),
  };
}

/**
 * Sessions delivered per trainer in a period (what a funder needs to pay trainer fees): a
 * session taught by two trainers counts for each of them, so the grand total counts
 * deployments, not sessions.
 */
export function createTrainerReport(db: Database, now: () => Date) {
  async function subtotalsOf(user: SessionUser, filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>) {
    assertCan(user, 'reports.view');
    const period = resolvePeriod(filter, todayInBerlin(now()));
    const [programmes, subtotals] = await Promise.all([queries.selectProgrammes(db), queries.selectTrainerSubtotals(db, period)]);
    if (period.programmeId !== null && !programmes.some((programme) => programme.programme_id === period.programmeId)) throw new NotFound();
    return { period, programmes, subtotals, totals: trainerTotalsOf(subtotals) };
  }

  async function blocksOf(period: ReturnType<typeof resolvePeriod>, subtotals: queries.TrainerSubtotalRow[]): Promise<TrainerBlock[]> {
    const delivered = await queries.selectDelivered(db, period, subtotals.map((row) => row.user_id));
    return subtotals.map((row) => ({ ...row, sessions: delivered.filter((session) => session.user_id === row.user_id) }));
  }

  return {
    /** A page of trainers with their sessions, the totals of the whole period: four statements. */
    async page(user: SessionUser, filter: ReportFilter) {
      const report = await subtotalsOf(user, filter);
      const pageCount = Math.max(1, Math.ceil(report.subtotals.length / TRAINER_PAGE_SIZE));
      const window = pageWindow(Math.min(filter.page, pageCount), TRAINER_PAGE_SIZE);
      const blocks = await blocksOf(report.period, report.subtotals.slice(window.offset, window.offset + window.limit));
      return { ...report, page: pageOf(blocks, report.subtotals.length, window) };
    },

    /** The whole period for the files. */
    async all(user: SessionUser, filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>) {
      const report = await subtotalsOf(user, filter);
      return { ...report, blocks: await blocksOf(report.period, report.subtotals) };
    },
  };
}

export type TrainerReport = ReturnType<typeof createTrainerReport>;
export type TrainerReportData = Awaited<ReturnType<TrainerReport['all']>>;
