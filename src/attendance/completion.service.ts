import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { Forbidden, NotFound } from '../shared/errors';
import { offeringCompleted, seriesProgress, type AttendedSession } from './completion';
import * as queries from './completion.queries';
import { isCoordinator } from './session-access';

const toPlanned = (row: queries.PlannedRow) => ({ sessionId: row.session_id, moduleId: row.module_id, offeringId: row.offering_id, offeringTitle: row.offering_title, startsAt: row.starts_at });
const toAttended = (row: queries.AttendedRow): AttendedSession => ({ moduleId: row.module_id, offeringId: row.offering_id, startsAt: row.starts_at });

/**
 * Who completed what: a person's progress, the attendance matrix of an offering (also the
 * exports) and what certificates are issued from. Everything counts attendance at `moment`:
 * only sessions that have started by then, so a record for a later session counts once it begins.
 */
export function createCompletionService(db: Database, now: () => Date) {
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
    const rows = people.map((person) => {
      const attended = attendedBy.get(person.user_id) ?? [];
      const cells = sessions.map((session) => statusOf.get(`${session.id}:${person.user_id}`) ?? null);
      if (programme!.kind === 'series') {
        const progress = seriesProgress(modules, { rule: programme!.completion_rule, minModules: programme!.completion_min_modules }, attended, plannedSessions, moment);
        return { person, cells, completed: progress.completed, reachable: progress.reachable, doneCount: progress.doneCount, requiredCount: progress.requiredCount };
      }
      const completed = offeringCompleted(attended, offeringId, moment);
      const stillPlanned = sessions.some((session) => session.starts_at > moment);
      return { person, cells, completed, reachable: completed || stillPlanned, doneCount: completed ? 1 : 0, requiredCount: 1 };
    });
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
    /** The attendance matrix of an offering: people × sessions, completion, certificate reachable. */
    async matrix(user: SessionUser, offeringId: number) {
      if (!isCoordinator(user)) throw new Forbidden();
      return buildMatrix(offeringId, now());
    },

    completionForCertificates,

    /** A person's progress in every programme they enrolled in: five queries, however long their history. */
    async progressOf(userId: number) {
      const enrollments = await queries.selectProgrammesOfPerson(db, userId);
      const programmeIds = [...new Set(enrollments.map((row) => row.programme_id))];
      const moment = now();
      const [programmes, attendedRows, moduleRows, plannedRows] = await Promise.all([
        queries.selectProgrammeInfos(db, programmeIds),
        queries.selectAttendedInProgrammes(db, programmeIds, [userId], moment),
        queries.selectModulesOfProgrammes(db, programmeIds),
        queries.selectPlannedInProgrammes(db, programmeIds, moment),
      ]);
      return programmeIds.map((programmeId) => {
        const programme = programmes.find((candidate) => candidate.id === programmeId)!;
        const attended = attendedRows.filter((row) => row.programme_id === programmeId).map(toAttended);
        const offerings = enrollments.filter((row) => row.programme_id === programmeId);
        if (programme.kind !== 'series') {
          return { programme, offerings: offerings.map((offering) => ({ ...offering, completed: offeringCompleted(attended, offering.offering_id, moment) })), series: null };
        }
        const modules = moduleRows.filter((row) => row.programme_id === programmeId);
        const planned = plannedRows.filter((row) => row.programme_id === programmeId).map(toPlanned);
        const series = seriesProgress(modules, { rule: programme.completion_rule, minModules: programme.completion_min_modules }, attended, planned, moment);
        return { programme, offerings, series };
      });
    },
  };
}
