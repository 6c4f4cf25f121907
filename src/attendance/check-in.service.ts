import QRCode from 'qrcode';
import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { Conflict, Invalid } from '../shared/errors';
import { isConfirmedForSession, selectSessionContext } from './attendance.queries';
import { countsAsAttended, type AttendanceStatus } from './attendance-rules';
import * as queries from './check-in.queries';
import { checkInCode, newNonce, normaliseCode } from './check-in-code';
import { selectAttendance, selectRoster, upsertAttendance } from './roll-call.queries';
import { isCheckInOpen, ROLL_CALL_EARLY_MINUTES } from './roll-call-window';
import { sessionForStaff } from './session-access';

/** Checking in later than this after the start counts as "late". */
export const LATE_AFTER_MINUTES = 15;

/** Self check-in: the trainer opens a window with a code, participants check in with it. */
export function createCheckInService(db: Database, config: Config, now: () => Date) {
  return {
    async openCheckIn(user: SessionUser, sessionId: number, actor: Actor): Promise<void> {
      const session = await sessionForStaff(db, user, sessionId);
      if (!isCheckInOpen(session, now())) throw new Conflict('attendance.errors.checkInOutsideSession', { minutes: ROLL_CALL_EARLY_MINUTES });
      await queries.upsertCheckInWindow(db, sessionId, newNonce(), user.id);
      await recordAudit(db, actor, { action: 'check_in.opened', subjectType: 'session', subjectId: sessionId });
    },

    async closeCheckIn(user: SessionUser, sessionId: number, actor: Actor): Promise<void> {
      await sessionForStaff(db, user, sessionId);
      await queries.closeCheckInWindow(db, sessionId);
      await recordAudit(db, actor, { action: 'check_in.closed', subjectType: 'session', subjectId: sessionId });
    },

    /** The trainer's screen: the code, a QR code for the check-in URL, and who has checked in. */
    async checkInScreen(user: SessionUser, sessionId: number) {
      const session = await sessionForStaff(db, user, sessionId);
      const window = await queries.findCheckInWindow(db, sessionId);
      const canOpen = isCheckInOpen(session, now());
      const open = !!window && !window.closed_at && canOpen;
      const roster = await selectRoster(db, sessionId);
      const attendedCount = roster.filter((row) => countsAsAttended(row.status)).length;
      if (!open || !window) return { session, open: false as const, roster, attendedCount, canOpen };
      const code = checkInCode(config.sessionSecret, sessionId, window.nonce);
      const url = `${config.baseUrl}/check-in?code=${code}`;
      const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { session, open: true as const, code, url, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(qrSvg).toString('base64')}`, roster, attendedCount, canOpen: true };
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
      const windows = await queries.selectOpenCheckInWindows(db, moment, ROLL_CALL_EARLY_MINUTES);
      const match = windows.find((window) => checkInCode(config.sessionSecret, window.session_id, window.nonce) === code);
      const refused = new Invalid({ code: 'attendance.errors.codeInvalid' });
      if (!match || !isCheckInOpen(match, moment)) throw refused;
      if (!(await isConfirmedForSession(db, match.session_id, user.id))) throw refused;
      const late = moment.getTime() > match.starts_at.getTime() + LATE_AFTER_MINUTES * 60 * 1000;
      const status: AttendanceStatus = late ? 'late' : 'present';
      await db.transaction(async (trx) => {
        const before = (await selectAttendance(trx, match.session_id, [user.id])).get(user.id) ?? null;
        if (countsAsAttended(before)) return;
        await upsertAttendance(trx, { session_id: match.session_id, user_id: user.id, status, source: 'check_in', recorded_by: user.id });
        await recordAudit(trx, actor, { action: 'attendance.checked_in', subjectType: 'attendance', subjectId: `${match.session_id}:${user.id}`, before: { status: before }, after: { status } });
      });
      return { session: await selectSessionContext(db, match.session_id), status };
    },
  };
}
