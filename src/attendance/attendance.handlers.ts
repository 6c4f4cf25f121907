import type { NextFunction, Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import type { z } from 'zod';
import type { Config } from '../config';
import { actorOf } from '../audit/audit.service';
import type { SessionUser } from '../accounts/roles';
import { contactsOf } from '../accounts/contacts.service';
import type { Database } from '../db/database';
import { idParam } from '../catalog/catalog.handlers';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { AppError, Invalid, NotFound } from '../http/errors';
import { formatDate, formatFileSize, type Locale } from '../http/format';
import { SIGNED_SHEET_MAX_BYTES, SIGNED_SHEET_MAX_MEGABYTES, type AttendanceService, type UploadedSheet } from './attendance.service';
import { ATTENDANCE_STATUSES, type SignedSheetRow } from './attendance.queries';
import { attendanceCsv, writeAttendanceXlsx } from './attendance.export';
import { renderSignInSheet } from './sign-in-sheet.pdf';
import type { checkInSchema, excuseSchema, rollCallSchema } from './attendance.schemas';

const currentUser = (req: Request) => req.user as SessionUser;
export const WALK_IN_ROWS = 5;

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

export function createAttendanceHandlers(attendance: AttendanceService, db: Database, config: Config) {
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
    checkIn: {
      view: 'attendance/check-in',
      titleKey: 'attendance.checkIn.title',
      locals: (req: Request) => ({ code: typeof req.query.code === 'string' ? req.query.code : '' }),
    } satisfies FormPage,
    excuse: {
      view: 'attendance/excuse',
      titleKey: 'attendance.excuse.title',
      locals: async (req: Request) => ({ session: await attendance.sessionForParticipant(currentUser(req), idParam(req)) }),
    } satisfies FormPage,
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

    async overview(req: Request, res: Response): Promise<void> {
      const sessions = await attendance.sessionsForStaff(currentUser(req));
      res.renderPage('attendance/overview', { title: req.t('attendance.overview.title'), sessions });
    },

    async saveRollCall(req: Request, res: Response): Promise<void> {
      const sessionId = idParam(req);
      const changed = await attendance.saveRollCall(currentUser(req), sessionId, formData<z.output<typeof rollCallSchema>>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.rollCall.saved', params: { count: changed } });
      res.redirect(303, `/attendance/sessions/${sessionId}`);
    },

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

    async checkInScreen(req: Request, res: Response): Promise<void> {
      const screen = await attendance.checkInScreen(currentUser(req), idParam(req));
      res.renderPage('attendance/check-in-screen', { title: req.t('attendance.checkInScreen.title'), ...screen });
    },

    async openCheckIn(req: Request, res: Response): Promise<void> {
      await attendance.openCheckIn(currentUser(req), idParam(req), actorOf(req));
      res.redirect(303, `/attendance/sessions/${idParam(req)}/check-in`);
    },

    async closeCheckIn(req: Request, res: Response): Promise<void> {
      await attendance.closeCheckIn(currentUser(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.checkInScreen.closed' });
      res.redirect(303, `/attendance/sessions/${idParam(req)}/check-in`);
    },

    async checkIn(req: Request, res: Response): Promise<void> {
      const { code } = formData<z.output<typeof checkInSchema>>(res);
      const result = await attendance.checkIn(currentUser(req), code, actorOf(req));
      res.renderPage('attendance/checked-in', { title: req.t('attendance.checkIn.doneTitle'), session: result.session, status: result.status });
    },

    async submitExcuse(req: Request, res: Response): Promise<void> {
      const { reason } = formData<z.output<typeof excuseSchema>>(res);
      await attendance.submitExcuse(currentUser(req), idParam(req), reason, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.excuse.submitted' });
      res.redirect(303, '/my/progress');
    },

    async openExcuses(req: Request, res: Response): Promise<void> {
      const excuses = await attendance.openExcuses(currentUser(req));
      res.renderPage('attendance/excuses', { title: req.t('attendance.excuses.title'), excuses });
    },

    async acceptExcuse(req: Request, res: Response): Promise<void> {
      await attendance.decideExcuse(currentUser(req), idParam(req), 'accepted', actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.excuses.accepted' });
      res.redirect(303, '/manage/excuses');
    },

    async declineExcuse(req: Request, res: Response): Promise<void> {
      await attendance.decideExcuse(currentUser(req), idParam(req), 'declined', actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.excuses.declined' });
      res.redirect(303, '/manage/excuses');
    },

    async myProgress(req: Request, res: Response): Promise<void> {
      const user = currentUser(req);
      const [programmes, excuses] = await Promise.all([attendance.progressOf(user.id), attendance.excusesOf(user.id)]);
      res.renderPage('attendance/progress', { title: req.t('attendance.progress.title'), programmes, excuses, person: null });
    },

    async personHistory(req: Request, res: Response): Promise<void> {
      const userId = idParam(req);
      const person = (await contactsOf(db, [userId])).get(userId);
      if (!person) throw new NotFound();
      const [programmes, excuses] = await Promise.all([attendance.progressOf(userId), attendance.excusesOf(userId)]);
      res.renderPage('attendance/progress', { title: req.t('attendance.progress.personTitle', { name: `${person.firstName} ${person.lastName}` }), programmes, excuses, person });
    },

    async matrix(req: Request, res: Response): Promise<void> {
      const matrix = await attendance.matrix(currentUser(req), idParam(req));
      res.renderPage('attendance/matrix', { title: req.t('attendance.matrix.title', { offering: matrix.offering.title }), ...matrix });
    },

    async exportCsv(req: Request, res: Response): Promise<void> {
      const matrix = await attendance.matrix(currentUser(req), idParam(req));
      res.type('text/csv; charset=utf-8');
      res.attachment(`anwesenheit-${matrix.offering.id}.csv`);
      res.send(attendanceCsv(matrix, req.t, req.locale));
    },

    async exportXlsx(req: Request, res: Response): Promise<void> {
      const matrix = await attendance.matrix(currentUser(req), idParam(req));
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.attachment(`anwesenheit-${matrix.offering.id}.xlsx`);
      await writeAttendanceXlsx(matrix, req.t, req.locale, res);
      res.end();
    },

    async signInSheet(req: Request, res: Response): Promise<void> {
      const { session, roster } = await attendance.rollCall(currentUser(req), idParam(req));
      const doc = renderSignInSheet(
        {
          programmeTitle: session.programme_title,
          offeringTitle: session.offering_title,
          moduleTitle: session.module_title ? `${session.module_position}. ${session.module_title}` : null,
          startsAt: session.starts_at,
          endsAt: session.ends_at,
          location: session.location || session.offering_location,
          trainers: session.trainer_names,
          fundingLine: config.region.fundingLine,
          regionName: config.region.name,
          people: roster.map((row) => ({ name: `${row.last_name}, ${row.first_name}`, organisation: [row.organisation_name, row.department].filter(Boolean).join(' – ') })),
          walkInRows: WALK_IN_ROWS,
        },
        req.t,
        req.locale,
      );
      res.type('application/pdf');
      res.setHeader('Content-Disposition', `inline; filename="teilnehmendenliste-${formatDate(session.starts_at).replace(/\./g, '-')}-${session.id}.pdf"`);
      doc.pipe(res);
      doc.end();
    },
  };
}
