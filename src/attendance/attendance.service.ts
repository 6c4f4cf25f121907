import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import QRCode from 'qrcode';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { SessionUser } from '../accounts/roles';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors';
import * as queries from './attendance.queries';
import { checkInCode, newNonce, normaliseCode } from './check-in-code';
import { offeringCompleted, seriesProgress } from './completion';

/** Check-in opens this long before a session starts and closes when it ends. */
export const CHECK_IN_EARLY_MINUTES = 30;
/** Checking in later than this after the start counts as "late". */
export const LATE_AFTER_MINUTES = 15;

const isCoordinator = (user: SessionUser) => user.role === 'coordinator' || user.role === 'admin';

/** Who may act on a session: coordinators and admins for all, trainers for the sessions they teach. */
const isStaffOf = (user: SessionUser, session: { trainer_ids: number[] }) => isCoordinator(user) || (user.role === 'trainer' && session.trainer_ids.includes(user.id));

/** A signed sheet is a scan of a few pages: 20 MB is plenty even for a photo from a phone. */
export const SIGNED_SHEET_MAX_MEGABYTES = 20;
export const SIGNED_SHEET_MAX_BYTES = SIGNED_SHEET_MAX_MEGABYTES * 1024 * 1024;

/** What `file-type` reports for the content (its `ext`) → stored type and the name endings that go with it. */
const SIGNED_SHEET_CONTENT: Record<string, { contentType: queries.SignedSheetType; extensions: string[] }> = {
  pdf: { contentType: 'application/pdf', extensions: ['pdf'] },
  png: { contentType: 'image/png', extensions: ['png'] },
  jpg: { contentType: 'image/jpeg', extensions: ['jpg', 'jpeg'] },
};

/** A scan as received from the form (multer memory storage). */
export type UploadedSheet = { originalName: string; bytes: Buffer };

/**
 * The name the browser sent, fit to keep and to send back: the last path segment (old
 * browsers send "C:\…\Liste.pdf"), Unicode NFC (macOS sends decomposed umlauts), no
 * control characters, at most 255 characters with the ending kept.
 */
function cleanSheetName(name: string): string {
  const lastSegment = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let cleaned = lastSegment.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/\s+/g, ' ').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') cleaned = 'Liste';
  const characters = [...cleaned];
  if (characters.length > 255) {
    const extension = [...path.extname(cleaned)];
    cleaned = extension.length < 20 ? characters.slice(0, 255 - extension.length).join('') + extension.join('') : characters.slice(0, 255).join('');
  }
  return cleaned;
}

export function createAttendanceService(db: Database, config: Config, now: () => Date = () => new Date()) {
  /** Trainers for the sessions they teach; coordinators and admins for all. */
  async function sessionForStaff(user: SessionUser, sessionId: number) {
    const session = await queries.selectSessionContext(db, sessionId);
    if (!session) throw new NotFound();
    if (!isStaffOf(user, session)) throw new Forbidden();
    return session;
  }

  function checkInOpenAt(session: { starts_at: Date; ends_at: Date }, moment: Date): boolean {
    return moment.getTime() >= session.starts_at.getTime() - CHECK_IN_EARLY_MINUTES * 60 * 1000 && moment < session.ends_at;
  }

  return {
    sessionForStaff,

    async sessionsForStaff(user: SessionUser) {
      if (!isCoordinator(user) && user.role !== 'trainer') throw new Forbidden();
      return queries.selectSessionsForStaff(db, isCoordinator(user) ? null : user.id, new Date(now().getTime() - 14 * 24 * 60 * 60 * 1000));
    },

    async rollCall(user: SessionUser, sessionId: number) {
      const session = await sessionForStaff(user, sessionId);
      const roster = await queries.selectRoster(db, sessionId);
      return { session, roster };
    },

    /**
     * Saves the whole roll call in one transaction. Only rows whose status changes are
     * written and audited, so saving the same form twice changes nothing.
     */
    async saveRollCall(user: SessionUser, sessionId: number, statuses: Record<number, queries.AttendanceStatus>, actor: Actor): Promise<number> {
      await sessionForStaff(user, sessionId);
      return db.transaction(async (trx) => {
        const roster = await queries.selectRoster(trx, sessionId);
        const enrolled = new Set(roster.map((row) => row.user_id));
        const unknown = Object.keys(statuses).map(Number).filter((userId) => !enrolled.has(userId));
        if (unknown.length > 0) throw new Invalid({ _form: 'attendance.errors.notEnrolled' });
        let changed = 0;
        for (const row of roster) {
          const status = statuses[row.user_id];
          if (!status || status === row.status) continue;
          await queries.upsertAttendance(trx, { session_id: sessionId, user_id: row.user_id, status, source: 'roll_call', recorded_by: user.id });
          await recordAudit(trx, actor, { action: 'attendance.recorded', subjectType: 'attendance', subjectId: `${sessionId}:${row.user_id}`, before: { status: row.status }, after: { status } });
          changed += 1;
        }
        return changed;
      });
    },

    // ----- signed sign-in sheets -----

    /** The scans uploaded for a session, newest first (the first is the session's sheet). */
    async signedSheets(user: SessionUser, sessionId: number) {
      await sessionForStaff(user, sessionId);
      return queries.selectSignedSheets(db, sessionId);
    },

    /** Before the bytes are read: only the session's staff send them. */
    async assertMayUploadSheet(user: SessionUser, sessionId: number): Promise<void> {
      await sessionForStaff(user, sessionId);
    },

    /**
     * Keeps a scan of the signed sheet. The content decides the type (PDF, PNG or JPEG) and
     * the name must end the way that type does. Earlier scans stay: a new one is added.
     */
    async uploadSignedSheet(user: SessionUser, sessionId: number, file: UploadedSheet | undefined, actor: Actor): Promise<{ id: number; name: string }> {
      await sessionForStaff(user, sessionId);
      if (!file) throw new Invalid({ file: 'attendance.errors.sheetRequired' });
      if (file.bytes.length === 0) throw new Invalid({ file: 'attendance.errors.sheetEmpty' });
      if (file.bytes.length > SIGNED_SHEET_MAX_BYTES) throw new Invalid({ file: 'attendance.errors.sheetTooLarge' }, { file: { max: SIGNED_SHEET_MAX_MEGABYTES } });
      const detected = await fileTypeFromBuffer(file.bytes);
      const type = detected ? SIGNED_SHEET_CONTENT[detected.ext] : undefined;
      if (!type) throw new Invalid({ file: 'attendance.errors.sheetType' });
      const name = cleanSheetName(file.originalName);
      if (!type.extensions.includes(path.extname(name).slice(1).toLowerCase())) throw new Invalid({ file: 'attendance.errors.sheetMismatch' });
      const sheet = { session_id: sessionId, content_type: type.contentType, original_name: name, size_bytes: file.bytes.length, sha256: createHash('sha256').update(file.bytes).digest('hex') };
      const id = await db.transaction(async (trx) => {
        const sheetId = await queries.insertSignedSheet(trx, { ...sheet, bytes: file.bytes, uploaded_by: user.id });
        await recordAudit(trx, actor, { action: 'signed_sheet.uploaded', subjectType: 'signed_sheet', subjectId: sheetId, after: sheet });
        return sheetId;
      });
      return { id, name };
    },

    /** A scan with its bytes, for the session's staff; for anybody else it does not exist. */
    async signedSheetDownload(user: SessionUser, sheetId: number) {
      const sheet = await queries.findSignedSheet(db, sheetId);
      const session = sheet ? await queries.selectSessionContext(db, sheet.session_id) : undefined;
      if (!sheet || !session || !isStaffOf(user, session)) throw new NotFound();
      const bytes = await queries.selectSignedSheetBytes(db, sheetId);
      if (!bytes) throw new NotFound();
      return { contentType: sheet.content_type, name: sheet.original_name, bytes };
    },

    // ----- self check-in -----

    async openCheckIn(user: SessionUser, sessionId: number, actor: Actor): Promise<void> {
      const session = await sessionForStaff(user, sessionId);
      if (!checkInOpenAt(session, now())) throw new Conflict('attendance.errors.checkInOutsideSession', { minutes: CHECK_IN_EARLY_MINUTES });
      await queries.upsertCheckInWindow(db, sessionId, newNonce(), user.id);
      await recordAudit(db, actor, { action: 'check_in.opened', subjectType: 'session', subjectId: sessionId });
    },

    async closeCheckIn(user: SessionUser, sessionId: number, actor: Actor): Promise<void> {
      await sessionForStaff(user, sessionId);
      await queries.closeCheckInWindow(db, sessionId);
      await recordAudit(db, actor, { action: 'check_in.closed', subjectType: 'session', subjectId: sessionId });
    },

    /** The trainer's screen: the code, a QR code for the check-in URL, and who has checked in. */
    async checkInScreen(user: SessionUser, sessionId: number) {
      const session = await sessionForStaff(user, sessionId);
      const window = await queries.findCheckInWindow(db, sessionId);
      const open = !!window && !window.closed_at && checkInOpenAt(session, now());
      const roster = await queries.selectRoster(db, sessionId);
      if (!open || !window) return { session, open: false as const, roster, canOpen: checkInOpenAt(session, now()) };
      const code = checkInCode(config.sessionSecret, sessionId, window.nonce);
      const url = `${config.baseUrl}/check-in?code=${code}`;
      const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { session, open: true as const, code, url, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(qrSvg).toString('base64')}`, roster, canOpen: true };
    },

    /**
     * A participant checks in with the code. It only works while that session's window is
     * open and only for a person with a confirmed seat; nothing is recorded otherwise.
     * A valid code of somebody else's session gets the same answer as an unknown one, so
     * trying codes tells nobody which ones are open right now.
     */
    async checkIn(user: SessionUser, rawCode: string, actor: Actor) {
      const code = normaliseCode(rawCode);
      const moment = now();
      const windows = await queries.selectOpenCheckInWindows(db, moment, CHECK_IN_EARLY_MINUTES);
      const match = windows.find((window) => checkInCode(config.sessionSecret, window.session_id, window.nonce) === code);
      const refused = new Invalid({ code: 'attendance.errors.codeInvalid' });
      if (!match || !checkInOpenAt(match, moment)) throw refused;
      if (!(await queries.isConfirmedForSession(db, match.session_id, user.id))) throw refused;
      const late = moment.getTime() > match.starts_at.getTime() + LATE_AFTER_MINUTES * 60 * 1000;
      const status: queries.AttendanceStatus = late ? 'late' : 'present';
      await db.transaction(async (trx) => {
        const before = (await queries.selectAttendance(trx, match.session_id, [user.id])).get(user.id) ?? null;
        if (before === 'present' || before === 'late') return;
        await queries.upsertAttendance(trx, { session_id: match.session_id, user_id: user.id, status, source: 'check_in', recorded_by: user.id });
        await recordAudit(trx, actor, { action: 'attendance.checked_in', subjectType: 'attendance', subjectId: `${match.session_id}:${user.id}`, before: { status: before }, after: { status } });
      });
      return { session: await queries.selectSessionContext(db, match.session_id), status };
    },

    // ----- excuses -----

    /** A session the person has a confirmed seat for (to send an excuse). */
    async sessionForParticipant(user: SessionUser, sessionId: number) {
      const session = await queries.selectSessionContext(db, sessionId);
      if (!session || !(await queries.isConfirmedForSession(db, sessionId, user.id))) throw new NotFound();
      return session;
    },

    async submitExcuse(user: SessionUser, sessionId: number, reason: string, actor: Actor): Promise<void> {
      if (!(await queries.isConfirmedForSession(db, sessionId, user.id))) throw new NotFound();
      try {
        const id = await queries.insertExcuse(db, { session_id: sessionId, user_id: user.id, reason });
        await recordAudit(db, actor, { action: 'excuse.submitted', subjectType: 'excuse', subjectId: id, after: { sessionId } });
      } catch (error) {
        if (isUniqueViolation(error, 'excuses_one_open')) throw new Conflict('attendance.errors.excuseExists');
        throw error;
      }
    },

    async openExcuses(user: SessionUser) {
      if (!isCoordinator(user)) throw new Forbidden();
      return queries.selectOpenExcuses(db);
    },

    excusesOf: (userId: number) => queries.selectExcusesOfUser(db, userId),

    /** Accepting an excuse marks the session excused, in the same transaction. */
    async decideExcuse(user: SessionUser, excuseId: number, decision: 'accepted' | 'declined', actor: Actor): Promise<void> {
      if (!isCoordinator(user)) throw new Forbidden();
      await db.transaction(async (trx) => {
        const excuse = await queries.findExcuse(trx, excuseId);
        if (!excuse) throw new NotFound();
        if ((await queries.decideExcuse(trx, excuseId, decision, user.id)) === 0) throw new Conflict('attendance.errors.excuseDecided');
        await recordAudit(trx, actor, { action: `excuse.${decision}`, subjectType: 'excuse', subjectId: excuseId, before: { status: 'submitted' }, after: { status: decision } });
        if (decision === 'accepted') {
          const before = (await queries.selectAttendance(trx, excuse.session_id, [excuse.user_id])).get(excuse.user_id) ?? null;
          if (before !== 'present' && before !== 'late') {
            await queries.upsertAttendance(trx, { session_id: excuse.session_id, user_id: excuse.user_id, status: 'excused', source: 'excuse', recorded_by: user.id });
            await recordAudit(trx, actor, { action: 'attendance.recorded', subjectType: 'attendance', subjectId: `${excuse.session_id}:${excuse.user_id}`, before: { status: before }, after: { status: 'excused' } });
          }
        }
      });
    },

    // ----- completion -----

    /** The attendance matrix of an offering: people × sessions, completion, certificate reachable. */
    async matrix(user: SessionUser, offeringId: number) {
      if (!isCoordinator(user)) throw new Forbidden();
      return buildMatrix(offeringId);
    },

    completionForCertificates,

    async progressOf(userId: number) {
      const enrollments = await queries.selectProgrammesOfPerson(db, userId);
      const programmeIds = [...new Set(enrollments.map((row) => row.programme_id))];
      const moment = now();
      return Promise.all(
        programmeIds.map(async (programmeId) => {
          const programme = (await queries.selectProgrammeInfo(db, programmeId))!;
          const attendedRows = await queries.selectAttendedInProgramme(db, programmeId, [userId]);
          const attended = attendedRows.map((row) => ({ moduleId: row.module_id, offeringId: row.offering_id, startsAt: row.starts_at }));
          const offerings = enrollments.filter((row) => row.programme_id === programmeId);
          if (programme.kind !== 'series') {
            return { programme, offerings: offerings.map((offering) => ({ ...offering, completed: offeringCompleted(attended, offering.offering_id) })), series: null };
          }
          const [modules, planned] = await Promise.all([queries.selectModules(db, programmeId), queries.selectPlannedInProgramme(db, programmeId, moment)]);
          const series = seriesProgress(
            modules,
            { rule: programme.completion_rule, minModules: programme.completion_min_modules },
            attended,
            planned.map((row) => ({ sessionId: row.session_id, moduleId: row.module_id, offeringId: row.offering_id, offeringTitle: row.offering_title, startsAt: row.starts_at })),
            moment,
          );
          return { programme, offerings, series };
        }),
      );
    },
  };

  /**
   * Who in an offering has completed what the certificate is for, and the sessions they
   * attended (any cohort of the programme), for printing on it. For certificates only.
   */
  async function completionForCertificates(offeringId: number, userIds?: number[]) {
    const offering = await db('offerings').select('id', 'title', 'programme_id', 'location', 'status').where('id', offeringId).first();
    if (!offering) return undefined;
    const [matrix, modules] = await Promise.all([buildMatrix(offeringId), queries.selectModules(db, offering.programme_id)]);
    const rows = userIds ? matrix.rows.filter((row) => userIds.includes(row.person.user_id)) : matrix.rows;
    const attended = await queries.selectAttendedInProgramme(db, offering.programme_id, rows.map((row) => row.person.user_id));
    return {
      offering: offering as { id: number; title: string; programme_id: number; location: string; status: string },
      programme: matrix.programme,
      modules,
      people: rows.map((row) => ({
        person: row.person,
        completed: row.completed,
        attended: attended.filter((session) => session.user_id === row.person.user_id && (matrix.programme.kind === 'series' || session.offering_id === offeringId)),
      })),
    };
  }

  async function buildMatrix(offeringId: number) {
    const offering = await db('offerings').select('id', 'title', 'programme_id', 'capacity', 'status').where('id', offeringId).first();
    if (!offering) throw new NotFound();
    const moment = now();
    const [programme, sessions, people, records, modules, planned] = await Promise.all([
      queries.selectProgrammeInfo(db, offering.programme_id),
      queries.selectOfferingSessions(db, offeringId),
      queries.selectConfirmedPeople(db, offeringId),
      queries.selectAttendanceOfOffering(db, offeringId),
      queries.selectModules(db, offering.programme_id),
      queries.selectPlannedInProgramme(db, offering.programme_id, moment),
    ]);
    const attendedRows = await queries.selectAttendedInProgramme(db, offering.programme_id, people.map((person) => person.user_id));
    const statusOf = new Map(records.map((record) => [`${record.session_id}:${record.user_id}`, record.status]));
    const plannedSessions = planned.map((row) => ({ sessionId: row.session_id, moduleId: row.module_id, offeringId: row.offering_id, offeringTitle: row.offering_title, startsAt: row.starts_at }));
    const attendedBy = new Map<number, { moduleId: number | null; offeringId: number; startsAt: Date }[]>();
    for (const row of attendedRows) {
      const list = attendedBy.get(row.user_id) ?? [];
      list.push({ moduleId: row.module_id, offeringId: row.offering_id, startsAt: row.starts_at });
      attendedBy.set(row.user_id, list);
    }
    const rows = people.map((person) => {
      const attended = attendedBy.get(person.user_id) ?? [];
      const cells = sessions.map((session) => statusOf.get(`${session.id}:${person.user_id}`) ?? null);
      if (programme!.kind === 'series') {
        const progress = seriesProgress(modules, { rule: programme!.completion_rule, minModules: programme!.completion_min_modules }, attended, plannedSessions, moment);
        return { person, cells, completed: progress.completed, reachable: progress.reachable, doneCount: progress.doneCount, requiredCount: progress.requiredCount };
      }
      const completed = offeringCompleted(attended, offeringId);
      const stillPlanned = sessions.some((session) => session.starts_at > moment);
      return { person, cells, completed, reachable: completed || stillPlanned, doneCount: completed ? 1 : 0, requiredCount: 1 };
    });
    return { offering, programme: programme!, sessions, rows };
  }
}

export type AttendanceService = ReturnType<typeof createAttendanceService>;
