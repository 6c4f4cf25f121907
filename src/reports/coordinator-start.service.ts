import { fromZonedTime } from 'date-fns-tz';
import { z } from 'zod';
import { sessionsMissingProof, type MissingProof } from '../attendance/proof';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { ATTENDED_STATUSES } from '../attendance/attendance-rules';
import { offeringCompleted, seriesProgress, type AttendedSession, type PlannedSession } from '../attendance/completion';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { TIME_ZONE } from '../shared/format';
import * as dashboard from './dashboard.queries';
import { todayInBerlin } from './funder-report.service';
import { selectProgrammes, type ProgrammeOutline } from './reports.queries';
import { snapshotScope, upsertCompletionSnapshot } from './snapshots.queries';

/** Organisations shown by name in the figures and the chart; the rest are summed as "others". */
export const TOP_ORGANISATIONS = 10;
/** People at risk listed on the start page (the count says how many there are in all). */
export const AT_RISK_SHOWN = 10;
export const MISSING_PROOFS_SHOWN = 10;

const optionalText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined));

/** The start page's GET filter: a calendar year (default: this year in Berlin) and optionally a programme. */
export const startFilterSchema = z.object({
  year: optionalText.refine((value) => value === undefined || (/^\d{4}$/.test(value) && Number(value) >= 2000 && Number(value) <= 2100), 'reports.start.errors.yearInvalid').transform((value) => (value ? Number(value) : null)),
  programme: optionalText.refine((value) => value === undefined || /^[1-9]\d{0,8}$/.test(value), 'reports.start.errors.programmeInvalid').transform((value) => (value ? Number(value) : null)),
});

export type StartFilter = z.output<typeof startFilterSchema>;

export type AtRiskPerson = { userId: number; firstName: string; lastName: string; offeringTitle: string; missingModules: string[] };

export type CoordinatorFigures = {
  year: number;
  programmeId: number | null;
  programmes: ProgrammeOutline[];
  offerings: number;
  enrollments: number;
  waitlisted: number;
  marks: number;
  attendedMarks: number;
  /** Attended marks per 100 marks, rounded to a whole percent; null without marks. */
  attendanceRate: number | null;
  completions: number;
  certificates: number;
  organisations: { name: string | null; participants: number; others: boolean }[];
  months: { month: number; marks: number; attended: number; rate: number | null }[];
  upcoming: dashboard.UpcomingSession[];
  missingSheets: MissingProof[];
  missingSheetCount: number;
  atRisk: AtRiskPerson[];
  atRiskCount: number;
  /** When completions and the people at risk were computed, if they come from the shared snapshot; null: just now, not cached. */
  completionsAsOf: Date | null;
};

export type CoordinatorStartOptions = {
  /** REPORT_FIGURES_MAX_AGE_SECONDS: how long a snapshot of completions/at risk is reused; 0: computed on every view. */
  maxAgeSeconds?: number;
  now?: () => Date;
};

export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 100);
}

/** Ten organisations with the most participants by name, the rest as one "others" row. */
export function topOrganisations(rows: dashboard.OrganisationCount[], shown = TOP_ORGANISATIONS): CoordinatorFigures['organisations'] {
  const top = rows.slice(0, shown).map((row) => ({ name: row.name, participants: row.participants, others: false }));
  const rest = rows.slice(shown).reduce((sum, row) => sum + row.participants, 0);
  return rows.length > shown ? [...top, { name: null, participants: rest, others: true }] : top;
}

/**
 * The coordinator's figures of a year and programme. Offerings, participants and
 * completions mean what they mean in the funder report for the same calendar year
 * (completions through the attendance domain's rules, completion.ts). Completions and the
 * people at risk need every seat of the year and cost most at county scale, so with a max age
 * they come from a snapshot shared by all instances (read along with the other figures, no
 * statement of its own) and are computed again, and stored, only when it is missing or old.
 */
export function createCoordinatorStart(db: Database, options: CoordinatorStartOptions = {}) {
  const now = options.now ?? (() => new Date());
  const maxAgeSeconds = options.maxAgeSeconds ?? 0;
  return {
    async figures(user: SessionUser, filter: StartFilter): Promise<CoordinatorFigures> {
      assertCan(user, 'reports.view');
      const moment = now();
      const year = filter.year ?? Number(todayInBerlin(moment).slice(0, 4));
      const period: dashboard.DashboardPeriod = {
        from: fromZonedTime(`${year}-01-01T00:00:00`, TIME_ZONE),
        until: fromZonedTime(`${year + 1}-01-01T00:00:00`, TIME_ZONE),
        programmeId: filter.programme,
      };
      const cached = maxAgeSeconds > 0;
      const wanted = cached ? { scope: snapshotScope(year, filter.programme), freshAfter: new Date(moment.getTime() - maxAgeSeconds * 1000) } : null;
      const [programmes, figures, uncachedSeats, missingProofs] = await Promise.all([
        selectProgrammes(db),
        dashboard.selectDashboardFigures(db, period, ATTENDED_STATUSES, moment, wanted),
        // Without a cache the seats are read alongside, as before; with one only when the snapshot is stale.
        cached ? Promise.resolve(null) : dashboard.selectSeatsWithAttendance(db, period, ATTENDED_STATUSES, moment),
        // One signed list proves every session of its offering and day: the attendance domain's rule.
        sessionsMissingProof(db, { moment, from: period.from, until: period.until, programmeId: period.programmeId ?? undefined, limit: MISSING_PROOFS_SHOWN }),
      ]);
      if (filter.programme !== null && !programmes.some((programme) => programme.programme_id === filter.programme)) throw new NotFound();
      let completion: { completions: number; atRisk: AtRiskPerson[]; atRiskCount: number; asOf: Date | null };
      if (figures.snapshot) {
        const { snapshot } = figures;
        completion = { completions: snapshot.completions, atRisk: snapshot.at_risk, atRiskCount: snapshot.at_risk_count, asOf: new Date(snapshot.computed_at) };
      } else {
        const seats = uncachedSeats ?? (await dashboard.selectSeatsWithAttendance(db, period, ATTENDED_STATUSES, moment));
        const { completions, atRisk } = completionsAndRisks(programmes, seats, figures.planned_modules, moment);
        completion = { completions, atRisk: atRisk.slice(0, AT_RISK_SHOWN), atRiskCount: atRisk.length, asOf: cached ? moment : null };
        if (wanted) {
          // Only ids, titles and modules: names are read at render, so the cache holds none.
          const shown = completion.atRisk.map(({ userId, offeringTitle, missingModules }) => ({ userId, offeringTitle, missingModules }));
          await upsertCompletionSnapshot(db, { scope: wanted.scope, year, programmeId: filter.programme, computedAt: moment, completions, atRisk: shown, atRiskCount: atRisk.length });
        }
      }
      return {
        year,
        programmeId: filter.programme,
        programmes,
        offerings: figures.offerings,
        enrollments: figures.enrollments,
        waitlisted: figures.waitlisted,
        marks: figures.marks,
        attendedMarks: figures.attended_marks,
        attendanceRate: percent(figures.attended_marks, figures.marks),
        completions: completion.completions,
        certificates: figures.certificates,
        organisations: topOrganisations(figures.organisations),
        months: Array.from({ length: 12 }, (_, index) => {
          const row = figures.months.find((month) => month.month === index + 1);
          return { month: index + 1, marks: row?.marks ?? 0, attended: row?.attended ?? 0, rate: row ? percent(row.attended, row.marks) : null };
        }),
        upcoming: figures.upcoming,
        missingSheets: missingProofs.sessions,
        missingSheetCount: missingProofs.total,
        atRisk: completion.atRisk,
        atRiskCount: completion.atRiskCount,
        completionsAsOf: completion.asOf,
      };
    },
  };
}

export type CoordinatorStart = ReturnType<typeof createCoordinatorStart>;

/**
 * Completions per seat as the funder report decides them, and who is at risk: confirmed in
 * a series offering, not completed, and the rule can no longer be met with the sessions
 * planned from now on in any published offering (a missed module has no make-up date left).
 */
export function completionsAndRisks(programmes: ProgrammeOutline[], seats: dashboard.SeatWithAttendance[], plannedModules: dashboard.PlannedModule[], moment: Date) {
  const byId = new Map(programmes.map((programme) => [programme.programme_id, programme]));
  // completion.ts only asks whether a module has a session from now on: one per module is enough.
  const planned: PlannedSession[] = plannedModules.map((row) => ({ sessionId: 0, moduleId: row.module_id, offeringId: 0, offeringTitle: '', startsAt: new Date(row.starts_at), endsAt: new Date(row.ends_at) }));
  let completions = 0;
  const atRisk: AtRiskPerson[] = [];
  for (const seat of seats) {
    const programme = byId.get(seat.programme_id);
    if (!programme) continue;
    const attended: AttendedSession[] = seat.attended.map((session) => ({ moduleId: session.module_id, offeringId: session.offering_id, startsAt: new Date(session.starts_at) }));
    if (programme.kind !== 'series') {
      if (offeringCompleted(attended, seat.offering_id, moment)) completions += 1;
      continue;
    }
    const progress = seriesProgress(programme.modules, { rule: programme.completion_rule, minModules: programme.completion_min_modules }, attended, planned, moment);
    if (progress.completed) completions += 1;
    else if (!progress.reachable) {
      const missingModules = progress.modules.filter((module) => !module.doneAt && !module.nextSession).map((module) => module.title);
      atRisk.push({ userId: seat.user_id, firstName: seat.first_name, lastName: seat.last_name, offeringTitle: seat.offering_title, missingModules });
    }
  }
  // Only the few at risk are put in German name order, not every seat of the year.
  atRisk.sort((a, b) => GERMAN.compare(a.lastName, b.lastName) || GERMAN.compare(a.firstName, b.firstName) || a.userId - b.userId || a.offeringTitle.localeCompare(b.offeringTitle));
  return { completions, atRisk };
}

const GERMAN = new Intl.Collator('de');
