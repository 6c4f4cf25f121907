import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { SessionUser } from '../accounts/roles';
import { Invalid, NotFound } from '../http/errors';
import * as queries from './attendance.queries';
import { createCheckInService } from './check-in.service';
import { createCompletionService } from './completion.service';
import { createExcusesService } from './excuses.service';
import { createRollCallService } from './roll-call.service';
import { isStaffOf, sessionForStaff as staffSession } from './session-access';

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

/**
 * The attendance domain as the app and other domains use it: one object made of the
 * aggregates' services (roll call, self check-in, excuses, completion) and the signed sheets.
 */
export function createAttendanceService(db: Database, config: Config, now: () => Date = () => new Date()) {
  /** Trainers for the sessions they teach; coordinators and admins for all. */
  const sessionForStaff = (user: SessionUser, sessionId: number) => staffSession(db, user, sessionId);

  return {
    sessionForStaff,
    ...createRollCallService(db, now),
    ...createCheckInService(db, config, now),
    ...createExcusesService(db),
    ...createCompletionService(db, now),

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
  };
}

export type AttendanceService = ReturnType<typeof createAttendanceService>;
