import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { Forbidden, NotFound } from '../shared/errors';
import { lastPageWindow, pageOf, pageWindow } from '../shared/paging';
import { countsAsAttended, type AttendanceStatus } from './attendance-rules';
import { offeringCompleted, seriesProgress, type AttendedSession, type PlannedSession } from './completion';
import * as queries from './completion.queries';
import * as matrixQueries from './matrix.queries';
import { isCoordinator } from './session-access';

/** People per page of the attendance matrix. */
export const MATRIX_PAGE_SIZE = 50;

const toPlanned = (row: queries.PlannedRow): PlannedSession => ({ sessionId: row.session_id, moduleId: row.module_id, offeringId: row.offering_id, offeringTitle: row.offering_title, startsAt: row.starts_at, endsAt: row.ends_at });
const toAttended = (row: { module_id: number | null; offering_id: number; starts_at: Date }): AttendedSession => ({ moduleId: row.module_id, offeringId: row.offering_id, startsAt: row.starts_at });

/** What the matrix shows for one person: completed, still reachable, modules done of required. */
function completionOf(
  programme: queries.ProgrammeInfo,
  modules: queries.ModuleInfo[],
  offering: { id: number; sessions: { ends_at: Date }[] },
  attended: AttendedSession[],
  planned: PlannedSession[],
  moment: Date,
) {
  if (programme.kind === 'series') {
    const progress = seriesProgress(modules, { rule: programme.completion_rule, minModules: programme.completion_min_modules }, attended, planned, moment);
    return { completed: progress.completed, reachable: progress.reachable, doneCount: progress.doneCount, requiredCount: progress.requiredCount };
  }
  const completed = offeringCompleted(attended, offering.id, moment);
  const stillPlanned = offering.sessions.some((session) => session.ends_at > moment);
  return { completed, reachable: completed || stillPlanned, doneCount: completed ? 1 : 0, requiredCount: 1 };
}

/**
 * Who completed what: a person's progress, the attendance matrix of an offering (also the
 * exports) and what certificates are issued from. Everything counts attendance at `moment`:
 * only sessions that have started by then, so a record for a later session counts once it begins.
 */
export function createCompletionService(db: Database, now: () => Date) {
  /** The whole matrix, every confirmed person (exports and certificates). */
  async function buildMatrix(offeringId: number, moment: Date) {
    const offering = await queries.findOffering(db, offeringId);
    if (!offering) throw new NotFound();
    const [programme, sessions, people, records, modules, planned] = await Promise.all([
      queries.selectProgrammeInfo(db, offering.programme_id),
      queries.selectOfferingSessions(db, offeringId),
      queries.selectConfirmedPeople(db, offeringId),
      queries.selectAttendanceOfOffering(db, offeringId),
      queries.selectModules(db, offering.programme_id),
      queries.selectPlannedInProgramme(db, offering.programme_id, moment),
    ]);
    const attendedRows = await queries.selectAttendedInProgramme(db, offering.programme_id, people.map((person) => person.user_id), moment);
    const statusOf = new Map(records.map((record) => [`${record.session_id}:${record.user_id}`, record.status]));
    const plannedSessions = planned.map(toPlanned);
    const attendedBy = new Map<number, AttendedSession[]>();
    for (const row of attendedRows) {
      const list = attendedBy.get(row.user_id) ?? [];
      list.push(toAttended(row));
      attendedBy.set(row.user_id, list);
    }
    const rows = people.map((person) => ({
      person,
      cells: sessions.map((session) => statusOf.get(`${session.id}:${person.user_id}`) ?? null),
      ...completionOf(programme!, modules, { id: offeringId, sessions }, attendedBy.get(person.user_id) ?? [], plannedSessions, moment),
    }));
    return { offering, programme: programme!, sessions, rows };
  }

  /**
   * Who in an offering has completed what the certificate is for, and the sessions they
   * attended (any cohort of the programme), for printing on it. For certificates only.
   */
  async function completionForCertificates(offeringId: number, userIds?: number[], moment: Date = now()) {
    const offering = await queries.findOffering(db, offeringId);
    if (!offering) return undefined;
    const [matrix, modules] = await Promise.all([buildMatrix(offeringId, moment), queries.selectModules(db, offering.programme_id)]);
    const rows = userIds ? matrix.rows.filter((row) => userIds.includes(row.person.user_id)) : matrix.rows;
    const attended = await queries.selectAttendedInProgramme(db, offering.programme_id, rows.map((row) => row.person.user_id), moment);
    return {
      offering,
      programme: matrix.programme,
      modules,
      people: rows.map((row) => ({
        person: row.person,
        completed: row.completed,
        attended: attended.filter((session) => session.user_id === row.person.user_id && (matrix.programme.kind === 'series' || session.offering_id === offeringId)),
      })),
    };
  }

  return {
    /** The whole attendance matrix of an offering: people × sessions, completion, certificate reachable (the exports). */
    async matrix(user: SessionUser, offeringId: number) {
      if (!isCoordinator(user)) throw new Forbidden();
      return buildMatrix(offeringId, now());
    },

    /**
     * One page of the matrix (people in German name order, those matching `search` if given):
     * four statements, however large the cohort or the programme's history.
     */
    async matrixPage(user: SessionUser, offeringId: number, filter: { search?: string; page: number }) {
      if (!isCoordinator(user)) throw new Forbidden();
      const moment = now();
      const search = filter.search || undefined;
      let window = pageWindow(filter.page, MATRIX_PAGE_SIZE);
      const [offering, sessionRows, first] = await Promise.all([
        matrixQueries.findOfferingForMatrix(db, offeringId),
        matrixQueries.selectMatrixSessions(db, offeringId, moment),
        matrixQueries.selectMatrixPeople(db, offeringId, { search, ...window }),
      ]);
      if (!offering) throw new NotFound();
      let people = first;
      const lastPage = lastPageWindow(people.total, window);
      if (lastPage) {
        window = lastPage;
        people = await matrixQueries.selectMatrixPeople(db, offeringId, { search, ...window });
      }
      const records = await matrixQueries.selectRecordsInProgramme(db, offeringId, people.rows.map((person) => person.user_id), moment);
      // `ended`: from then on the day's signed list is due as proof.
      const sessions = sessionRows.filter((session) => session.in_offering).map((session) => ({ ...session, ended: session.ends_at <= moment }));
      const planned = sessionRows.filter((session) => session.planned).map((row) => toPlanned({ ...row, session_id: row.id }));
      const statusOf = new Map<string, AttendanceStatus>();
      const attendedBy = new Map<number, AttendedSession[]>();
      for (const record of records) {
        if (record.offering_id === offeringId) statusOf.set(`${record.session_id}:${record.user_id}`, record.status);
        if (!countsAsAttended(record.status)) continue;
        const attended = attendedBy.get(record.user_id);
        if (attended) attended.push(toAttended(record));
        else attendedBy.set(record.user_id, [toAttended(record)]);
      }
      const rows = people.rows.map((person) => ({
        person,
        cells: sessions.map((session) => statusOf.get(`${session.id}:${person.user_id}`) ?? null),
        ...completionOf(offering.programme, offering.modules, { id: offeringId, sessions }, attendedBy.get(person.user_id) ?? [], planned, moment),
      }));
      return { offering, programme: offering.programme, sessions, people: pageOf(rows, people.total, window) };
    },

    completionForCertificates,

    /** A person's progress in every programme they enrolled in: two statements, however long their history. */
    async progressOf(userId: number) {
      const moment = now();
      const [programmes, sessionRows] = await Promise.all([queries.selectProgrammesOfPerson(db, userId), queries.selectProgressSessions(db, userId, moment)]);
      return programmes.map(({ offerings, modules, ...programme }) => {
        const ofProgramme = sessionRows.filter((row) => row.programme_id === programme.id);
        const attended = ofProgramme.filter((row) => row.kind === 'attended').map(toAttended);
        if (programme.kind !== 'series') {
          return { programme, offerings: offerings.map((offering) => ({ ...offering, completed: offeringCompleted(attended, offering.offering_id, moment) })), series: null };
        }
        const planned = ofProgramme.filter((row) => row.kind === 'planned').map(toPlanned);
        const series = seriesProgress(modules, { rule: programme.completion_rule, minModules: programme.completion_min_modules }, attended, planned, moment);
        return { programme, offerings, series };
      });
    },
  };
}
