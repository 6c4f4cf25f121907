import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import { contactsOf } from '../accounts/contacts.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { NotFound } from '../shared/errors';
import * as queries from './attendance.queries';
import { createCheckInService } from './check-in.service';
import { createCompletionService } from './completion.service';
import { createExcusesService } from './excuses.service';
import { createParticipantListService } from './participant-list.service';
import { createRollCallService } from './roll-call.service';
import { isStaffOf, sessionForStaff as staffSession } from './session-access';

/** A signed sheet is a scan of a few pages: 20 MB is plenty even for a photo from a phone. */
export const SIGNED_SHEET_MAX_MEGABYTES = 20;

/** What `file-type` reports for the content (its `ext`) → stored type and the name endings that go with it. */
const SIGNED_SHEET_CONTENT: Record<string, { contentType: queries.SignedSheetType; extensions: string[] }> = {
  pdf: { contentType: 'application/pdf', extensions: ['pdf'] },
  png: { contentType: 'image/png', extensions: ['png'] },
  jpg: { contentType: 'image/jpeg', extensions: ['jpg', 'jpeg'] },
};

/** A scan as received from the form, its type found by `inspectSignedSheet`. */
export type UploadedSheet = { originalName: string; bytes: Buffer; contentType: queries.SignedSheetType };

/**
 * The content check the upload pipeline runs on the scan (its inspect hook): the content
 * decides the type (PDF, PNG or JPEG) and the (cleaned) name must end the way that type does.
 */
export async function inspectSignedSheet(
  bytes: Buffer,
  name: string,
): Promise<{ ok: true; content: queries.SignedSheetType } | { ok: false; messageKey: string }> {
  if (bytes.length === 0) return { ok: false, messageKey: 'attendance.errors.sheetEmpty' };
  const detected = await fileTypeFromBuffer(bytes);
  const type = detected ? SIGNED_SHEET_CONTENT[detected.ext] : undefined;
  if (!type) return { ok: false, messageKey: 'attendance.errors.sheetType' };
  if (!type.extensions.includes(path.extname(name).slice(1).toLowerCase())) return { ok: false, messageKey: 'attendance.errors.sheetMismatch' };
  return { ok: true, content: type.contentType };
}

/**
 * The attendance domain as the app and other domains use it: one object made of the
 * aggregates' services (roll call, self check-in, excuses, completion) and the signed sheets.
 */
export function createAttendanceService(db: Database, config: Config, now: () => Date = () => new Date()) {
  /** Trainers for the sessions they teach; coordinators and admins for all. */
  const sessionForStaff = (user: SessionUser, sessionId: number) => staffSession(db, user, sessionId);

  const excuses = createExcusesService(db);
  const completion = createCompletionService(db, now);

  return {
    sessionForStaff,
    ...createRollCallService(db, now),
    ...createCheckInService(db, config, now),
    ...excuses,
    ...completion,
    ...createParticipantListService(db),

    /** A person's progress and excuses across all programmes, for coordinators. */
    async personHistory(user: SessionUser, userId: number) {
      assertCan(user, 'attendance.manageAll');
      const person = (await contactsOf(db, [userId])).get(userId);
      if (!person) throw new NotFound();
      const [programmes, excusesOfPerson] = await Promise.all([completion.progressOf(userId), excuses.excusesOf(userId)]);
      return { person, programmes, excuses: excusesOfPerson };
    },

    // ----- signed sign-in sheets -----

    /** Before the bytes are read: only the session's staff send them. */
    async assertMayUploadSheet(user: SessionUser, sessionId: number): Promise<void> {
      await sessionForStaff(user, sessionId);
    },

    /**
     * Keeps a scan of the signed sheet (checked by `inspectSignedSheet` on the way in, its
     * name cleaned by the upload pipeline). Earlier scans stay: a new one is added.
     */
    async uploadSignedSheet(user: SessionUser, sessionId: number, file: UploadedSheet, actor: Actor): Promise<{ id: number; name: string }> {
      await sessionForStaff(user, sessionId);
      const name = file.originalName;
      const sheet = { session_id: sessionId, content_type: file.contentType, original_name: name, size_bytes: file.bytes.length, sha256: createHash('sha256').update(file.bytes).digest('hex') };
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
