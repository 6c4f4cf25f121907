import type { SessionUser } from '../accounts/roles';
import type { AttendanceService } from '../attendance/attendance.service';
import { isCheckInOpen, openExcusesOf, rollCallsMissing, taughtFromToday } from '../attendance/start';
import type { Database } from '../db/database';
import { nextDatesOf } from '../enrollment/start';
import { openEvaluationsAndCertificateCountOf } from '../evaluation/start';
import { recentMaterialsForTrainer } from '../materials/start';

/** The start page shows a few of each list; the full lists are one link away. */
export const NEXT_DATES_SHOWN = 5;
export const OPEN_EXCUSES_SHOWN = 5;
export const TAUGHT_SESSIONS_SHOWN = 10;
export const MISSING_ROLL_CALLS_SHOWN = 10;
export const RECENT_MATERIALS_SHOWN = 5;
export const OPEN_EVALUATIONS_SHOWN = 5;
/** "Uploaded recently": the last four weeks, long enough to span the gap between two modules. */
export const RECENT_MATERIALS_DAYS = 28;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The start page of a logged-in person, by role. Every figure comes from a read model its
 * owning domain publishes (or the attendance service's own progress), each list in one
 * statement, so the page costs the same for one enrollment or a long history.
 */
export function createHomeService(db: Database, attendance: Pick<AttendanceService, 'progressOf'>, now: () => Date = () => new Date()) {
  /** Dates, progress in the series, open excuses, certificates and the check-in of a session running now. */
  async function participantStart(user: SessionUser, moment: Date) {
    // The open evaluations and the certificate count share one statement (the page's budget of six).
    const [dates, programmes, excuses, { evaluations, certificateCount }] = await Promise.all([
      nextDatesOf(db, user.id, moment, NEXT_DATES_SHOWN),
      attendance.progressOf(user.id),
      openExcusesOf(db, user.id, OPEN_EXCUSES_SHOWN),
      openEvaluationsAndCertificateCountOf(db, user.id, moment, OPEN_EVALUATIONS_SHOWN),
    ]);
    const series = programmes.flatMap((entry) => (entry.series ? [{ programme: entry.programme, progress: entry.series }] : []));
    return {
      kind: 'participant' as const,
      dates,
      // The dates come in order of their start, so a session running now is the first one.
      checkInSession: dates.find((date) => isCheckInOpen(date, moment)) ?? null,
      series,
      hasProgress: programmes.length > 0,
      excuses,
      evaluations,
      certificateCount,
    };
  }

  /** Sessions from today on, past sessions without a roll call, materials uploaded lately. */
  async function trainerStart(user: SessionUser, moment: Date) {
    const [upcoming, missing, materials] = await Promise.all([
      taughtFromToday(db, user.id, moment, TAUGHT_SESSIONS_SHOWN),
      rollCallsMissing(db, user.id, moment, MISSING_ROLL_CALLS_SHOWN),
      recentMaterialsForTrainer(db, user.id, new Date(moment.getTime() - RECENT_MATERIALS_DAYS * DAY_MS), RECENT_MATERIALS_SHOWN),
    ]);
    return { kind: 'trainer' as const, moment, upcoming, missing, materials };
  }

  return {
    async startPage(user: SessionUser) {
      const moment = now();
      if (user.role === 'participant') return participantStart(user, moment);
      if (user.role === 'trainer') return trainerStart(user, moment);
      // Coordinators and admins: their figures (reports domain, issue 12) are loaded here once
      // they exist; until then the page shows the greeting and the links to their work.
      return { kind: 'staff' as const, role: user.role };
    },
  };
}

export type HomeService = ReturnType<typeof createHomeService>;
export type StartPage = Awaited<ReturnType<HomeService['startPage']>>;
