import type { NextFunction, Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import type { Config } from '../config';
import { actorOf } from '../audit/audit.service';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { idParam } from '../catalog/catalog.handlers';
import { setFlash } from '../http/flash';
import type { FormPage } from '../http/forms';
import { AppError, Invalid } from '../http/errors';
import { formatFileSize, type Locale } from '../http/format';
import { SIGNED_SHEET_MAX_BYTES, SIGNED_SHEET_MAX_MEGABYTES, type AttendanceService, type UploadedSheet } from './attendance.service';
import type { SignedSheetRow } from './attendance.queries';
import { ATTENDANCE_STATUSES } from './attendance-rules';
import { createCheckInHandlers } from './check-in.handlers';
import { createCompletionHandlers } from './completion.handlers';
import { createExcusesHandlers } from './excuses.handlers';
import { createRollCallHandlers } from './roll-call.handlers';

const currentUser = (req: Request) => req.user as SessionUser;

/** For the browser's file picker only; the content decides (see the service). */
const SIGNED_SHEET_ACCEPT = '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg';
const SIGNED_SHEET_FIELD = 'file';
function signedSheetItems(rows: SignedSheetRow[], locale: Locale) {
  return rows.map((row, index) => ({
    id: row.id,
    name: row.original_name,
    size: formatFileSize(row.size_bytes, locale),
    uploadedBy: `${row.uploader_first_name} ${row.uploader_last_name}`,
    uploadedAt: row.uploaded_at,
    current: index === 0,
    downloadUrl: `/attendance/signed-sheets/${row.id}`,
  }));
}

/** Why multer refused the upload: a message on the file field (422) or an error page. */
function sheetRefusal(error: unknown): Invalid | AppError | undefined {
  if (error instanceof MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') return new Invalid({ [SIGNED_SHEET_FIELD]: 'attendance.errors.sheetTooLarge' }, { [SIGNED_SHEET_FIELD]: { max: SIGNED_SHEET_MAX_MEGABYTES } });
    if (error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE') return new Invalid({ [SIGNED_SHEET_FIELD]: 'attendance.errors.sheetOneFile' });
    return new AppError(413, 'attendance.errors.sheetFormTooLarge');
  }
  const message = (error as { message?: string } | null)?.message ?? '';
  // busboy: a body that is not a well-formed multipart form; or the client went away.
  if (/^(Unexpected end of form|Malformed|Multipart: Boundary not found)/.test(message)) return new AppError(400, 'attendance.errors.sheetBadForm');
  if (/^Request (aborted|closed|error)$/.test(message)) return new AppError(400, 'attendance.errors.sheetBadForm');
  return undefined;
}

/** The file of the form; a file input left empty sends no file at all. */
function uploadedSheet(req: Request): UploadedSheet | undefined {
  return req.file ? { originalName: req.file.originalname, bytes: req.file.buffer } : undefined;
}

/**
 * All handlers of the domain for the router: the roll-call page (which also hosts the
 * signed sheets) and the signed-sheet upload are here, the others in their aggregate's file.
 */
export function createAttendanceHandlers(attendance: AttendanceService, db: Database, config: Config) {
  const checkIn = createCheckInHandlers(attendance);
  const excuses = createExcusesHandlers(attendance);
  const pages = {
    rollCall: {
      view: 'attendance/roll-call',
      titleKey: 'attendance.rollCall.title',
      locals: async (req: Request) => {
        const rollCall = await attendance.rollCall(currentUser(req), idParam(req));
        const signedSheets = await attendance.signedSheets(currentUser(req), idParam(req));
        return {
          ...rollCall,
          statuses: ATTENDANCE_STATUSES,
          signedSheets: signedSheetItems(signedSheets, req.locale),
          signedSheetAccept: SIGNED_SHEET_ACCEPT,
          signedSheetMaxMegabytes: SIGNED_SHEET_MAX_MEGABYTES,
        };
      },
    } satisfies FormPage,
    checkIn: checkIn.checkInPage,
    excuse: excuses.excusePage,
  };

  // Memory storage: one scan of at most 20 MB, checked by content before it is stored in the database.
  const sheetUpload = multer({
    storage: multer.memoryStorage(),
    // Browsers send file names as raw UTF-8 ("Müllheim.pdf"); busboy's default would read them as Latin-1.
    defParamCharset: 'utf8',
    limits: { fileSize: SIGNED_SHEET_MAX_BYTES, files: 1, fields: 5, parts: 6, fieldNameSize: 100, fieldSize: 16 * 1024 },
  }).single(SIGNED_SHEET_FIELD);

  return {
    pages,
    ...createRollCallHandlers(attendance, config),
    ...checkIn,
    ...excuses,
    ...createCompletionHandlers(attendance, db),

    /** Before multer reads the bytes: only the session's staff upload. */
    async checkMayUploadSheet(req: Request, _res: Response, next: NextFunction): Promise<void> {
      await attendance.assertMayUploadSheet(currentUser(req), idParam(req));
      next();
    },

    /** Reads the multipart form; a refused file shows the roll-call page again with the message on the file field. */
    receiveSignedSheet(req: Request, res: Response, next: NextFunction): void {
      // The error handler re-renders this page for `Invalid` (from multer or the service), with req.params restored.
      res.locals.formPage = pages.rollCall;
      res.locals.formParams = req.params;
      sheetUpload(req, res, (error?: unknown) => {
        if (!error) return next();
        next(sheetRefusal(error) ?? error);
      });
    },

    async uploadSignedSheet(req: Request, res: Response): Promise<void> {
      const sessionId = idParam(req);
      const sheet = await attendance.uploadSignedSheet(currentUser(req), sessionId, uploadedSheet(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.signedSheets.uploaded', params: { name: sheet.name } });
      res.redirect(303, `/attendance/sessions/${sessionId}`);
    },

    async downloadSignedSheet(req: Request, res: Response): Promise<void> {
      const sheet = await attendance.signedSheetDownload(currentUser(req), idParam(req));
      // attachment: never shown in the page's origin; the name keeps its umlauts (filename*=UTF-8'').
      res.attachment(sheet.name);
      res.setHeader('Content-Type', sheet.contentType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, no-store');
      res.send(sheet.bytes);
    },
  };
}
