import { formatInTimeZone } from 'date-fns-tz';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { ATTENDANCE_STATUSES, ATTENDED_STATUSES, type AttendanceStatus } from '../attendance/attendance-rules';
import { offeringCompleted, seriesProgress, type AttendedSession } from '../attendance/completion';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { TIME_ZONE } from '../shared/format';
import { pageOf, pageWindow, type Page } from '../shared/paging';
import * as queries from './reports.queries';
import { resolvePeriod, type ReportFilter, type ResolvedPeriod } from './reports.schemas';

/** Offerings per page of the funder report (each brings its sessions and organisations). */
export const FUNDER_PAGE_SIZE = 10;

export type StatusTotals = Record<AttendanceStatus, number>;

export type FunderOffering = {
  id: number;
  title: string;
  programmeTitle: string;
  firstStartsAt: Date;
  lastStartsAt: Date;
  sessionCount: number;
  teachingUnits: number;
  trainers: string;
  participants: number;
  participantDays: number;
  completions: number;
  statuses: StatusTotals;
};

export type FunderSession = Omit<queries.SessionRow, 'status_counts'> & { statuses: StatusTotals };

export type FunderTotals = {
  offerings: number;
  sessions: number;
  teachingUnits: number;
  participants: number;
  participantDays: number;
  completions: number;
  statuses: StatusTotals;
};

function statusTotals(counts: queries.StatusCounts | null | undefined): StatusTotals {
  return Object.fromEntries(ATTENDANCE_STATUSES.map((status) => [status, counts?.[status] ?? 0])) as StatusTotals;
}

/** Totals of the period: the page and every file add up the same offering rows. */
export function totalsOf(offerings: FunderOffering[]): FunderTotals {
  const sum = (pick: (offering: FunderOffering) => number) => offerings.reduce((total, offering) => total + pick(offering), 0);
  return {
    offerings: offerings.length,
    sessions: sum((offering) => offering.sessionCount),
    teachingUnits: sum((offering) => offering.teachingUnits),
    participants: sum((offering) => offering.participants),
    participantDays: sum((offering) => offering.participantDays),
    completions: sum((offering) => offering.completions),
    statuses: statusTotals(Object.fromEntries(ATTENDANCE_STATUSES.map((status) => [status, sum((offering) => offering.statuses[status])]))),
  };
}

export function todayInBerlin(now: Date): string {
  return formatInTimeZone(now, TIME_ZONE, 'yyyy-MM-dd');
}

/**
 * The funder report: per offering with a session in the period, its dates, topic, trainers,
 * teaching units, participants, participant-days, completions, organisations and sessions.
 * Who completed is decided by the attendance domain's rules (completion.ts), as of now.
 */
export function createFunderReport(db: Database, now: () => Date) {
  /** How many confirmed people of each offering have completed it by `moment` (one statement for all). */
  async function completionsOf(offeringIds: number[], programmes: Map<number, queries.ProgrammeOutline>, programmeOf: Map<number, number>, moment: Date) {
    const rows = await queries.selectAttendedOfSeats(db, offeringIds, ATTENDED_STATUSES, moment);
    const completions = new Map<number, number>();
    for (const row of rows) {
      const programme = programmes.get(programmeOf.get(row.offering_id)!);
      if (!programme) continue;
      const attended: AttendedSession[] = row.attended.map((session) => ({ moduleId: session.module_id, offeringId: session.offering_id, startsAt: new Date(session.starts_at) }));
      const completed =
        programme.kind === 'series'
          ? seriesProgress(programme.modules, { rule: programme.completion_rule, minModules: programme.completion_min_modules }, attended, [], moment).completed
          : offeringCompleted(attended, row.offering_id, moment);
      if (completed) completions.set(row.offering_id, (completions.get(row.offering_id) ?? 0) + 1);
    }
    return completions;
  }

  /** Programmes (for the filter), the period, and every offering of it with its counts: three statements. */
  async function offeringsOf(user: SessionUser, filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>) {
    assertCan(user, 'reports.view');
    const moment = now();
    const period = resolvePeriod(filter, todayInBerlin(moment));
    const [programmeRows, summaries] = await Promise.all([queries.selectProgrammes(db), queries.selectOfferingSummaries(db, period, ATTENDED_STATUSES)]);
    if (period.programmeId !== null && !programmeRows.some((programme) => programme.programme_id === period.programmeId)) throw new NotFound();
    const programmes = new Map(programmeRows.map((programme) => [programme.programme_id, programme]));
    const programmeOf = new Map(summaries.map((row) => [row.offering_id, row.programme_id]));
    const completions = await completionsOf(summaries.map((row) => row.offering_id), programmes, programmeOf, moment);
    const offerings: FunderOffering[] = summaries.map((row) => ({
      id: row.offering_id,
      title: row.offering_title,
      programmeTitle: row.programme_title,
      firstStartsAt: row.first_starts_at,
      lastStartsAt: row.last_starts_at,
      sessionCount: row.session_count,
      teachingUnits: row.teaching_units,
      trainers: row.trainers ?? '',
      participants: row.participants,
      participantDays: row.participant_days,
      completions: completions.get(row.offering_id) ?? 0,
      statuses: statusTotals(row.status_counts),
    }));
    return { period, programmes: programmeRows, offerings, totals: totalsOf(offerings) };
  }

  /** Sessions of some offerings (a page's), organisations of all of the period (for its totals), by offering. */
  async function detailsOf(period: ResolvedPeriod, offeringIds: number[], allOfferingIds: number[]) {
    const [sessions, organisations] = await Promise.all([queries.selectSessions(db, period, offeringIds), queries.selectOrganisations(db, allOfferingIds)]);
    const sessionsOf = new Map<number, FunderSession[]>();
    for (const { status_counts: counts, ...session } of sessions) {
      sessionsOf.set(session.offering_id, [...(sessionsOf.get(session.offering_id) ?? []), { ...session, statuses: statusTotals(counts) }]);
    }
    const organisationsOf = new Map<number, queries.OrganisationRow[]>();
    for (const row of organisations) organisationsOf.set(row.offering_id, [...(organisationsOf.get(row.offering_id) ?? []), row]);
    return { sessionsOf, organisationsOf };
  }

  return {
    /** One page of offerings with their details, the totals of the whole period: five statements. */
    async page(user: SessionUser, filter: ReportFilter) {
      const report = await offeringsOf(user, filter);
      const window = pageWindow(filter.page, FUNDER_PAGE_SIZE);
      const pageCount = Math.max(1, Math.ceil(report.offerings.length / FUNDER_PAGE_SIZE));
      // A page past the end shows the last one; the offerings are all read already.
      const shown = pageWindow(Math.min(window.page, pageCount), FUNDER_PAGE_SIZE);
      const rows = report.offerings.slice(shown.offset, shown.offset + shown.limit);
      const details = await detailsOf(report.period, rows.map((offering) => offering.id), report.offerings.map((offering) => offering.id));
      const page: Page<FunderOffering> = pageOf(rows, report.offerings.length, shown);
      return { ...report, page, ...details };
    },

    /** The whole period for the files: the same rows and totals as the pages. */
    async all(user: SessionUser, filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>) {
      const report = await offeringsOf(user, filter);
      const ids = report.offerings.map((offering) => offering.id);
      const details = await detailsOf(report.period, ids, ids);
      return { ...report, ...details };
    },
  };
}

export type FunderReport = ReturnType<typeof createFunderReport>;
export type FunderReportData = Awaited<ReturnType<FunderReport['all']>>;
