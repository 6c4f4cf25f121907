import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { setFlash } from '../http/flash';
import type { FormPage } from '../http/forms';
import { createUpload, receivedUpload } from '../http/upload';
import { contentDisposition } from '../shared/files';
import { formatFileSize, type Locale } from '../shared/format';
import { inspectSignedSheet, SIGNED_SHEET_MAX_MEGABYTES, type AttendanceService, type UploadedSheet } from './attendance.service';
import type { SignedSheetRow, SignedSheetType } from './attendance.queries';
import { peopleFilterSchema } from './attendance.schemas';
import { createCheckInHandlers } from './check-in.handlers';
import { createCompletionHandlers } from './completion.handlers';
import { createExcusesHandlers } from './excuses.handlers';
import { createParticipantListHandlers } from './participant-list.handlers';
import { createRollCallHandlers } from './roll-call.handlers';
import { rollCallLabels, rollCallUrl } from './attendance.view';


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

/** The scan the upload pipeline received and checked (it refused the form without one). */
function uploadedSheet(res: Response): UploadedSheet {
  const file = receivedUpload<SignedSheetType>(res, SIGNED_SHEET_FIELD);
  if (!file?.bytes) throw new Error('the upload pipeline let a form without a sheet through');
  return { originalName: file.originalName, bytes: file.bytes, contentType: file.content };
}

/**
 * All handlers of the domain for the router: the roll-call page (which also hosts the
 * signed sheets) and the signed-sheet upload are here, the others in their aggregate's file.
 */
export function createAttendanceHandlers(attendance: AttendanceService, config: Config) {
  const checkIn = createCheckInHandlers(attendance);
  const excuses = createExcusesHandlers(attendance);
  const pages = {
    rollCall: {
      view: 'attendance/roll-call',
      titleKey: 'attendance.rollCall.title',
      // One page of people (the page and name search come from the URL, also when a save is re-rendered).
      locals: async (req: Request) => {
        const filter = peopleFilterSchema.parse(req.query);
        const { signedSheets, ...rollCall } = await attendance.rollCallPage(userOf(req), idParam(req), { search: filter.q, page: filter.page });
        return {
          ...rollCall,
          ...rollCallLabels(req.t),
          filter,
          saveAction: rollCallUrl(rollCall.session.id, { q: filter.q, page: rollCall.roster.page }),
          signedSheets: signedSheetItems(signedSheets, req.locale),
          signedSheetAccept: SIGNED_SHEET_ACCEPT,
          signedSheetMaxMegabytes: SIGNED_SHEET_MAX_MEGABYTES,
        };
      },
    } satisfies FormPage,
    checkIn: checkIn.checkInPage,
    excuse: excuses.excusePage,
  };

  // In memory: one scan of at most 20 MB, checked by content before it is stored in the database.
  const sheetUpload = createUpload({
    fileFields: [SIGNED_SHEET_FIELD],
    required: true,
    maxMegabytes: SIGNED_SHEET_MAX_MEGABYTES,
    page: pages.rollCall,
    messages: { tooLarge: 'attendance.errors.sheetTooLarge', required: 'attendance.errors.sheetRequired' },
    inspect: (file) => inspectSignedSheet(file.bytes ?? Buffer.alloc(0), file.originalName),
  });

  return {
    pages,
    ...createRollCallHandlers(attendance),
    ...createParticipantListHandlers(attendance, config),
    ...checkIn,
    ...excuses,
    ...createCompletionHandlers(attendance),

    /** Before multer reads the bytes: only the session's staff upload. */
    async checkMayUploadSheet(req: Request, _res: Response, next: NextFunction): Promise<void> {
      await attendance.assertMayUploadSheet(userOf(req), idParam(req));
      next();
    },

    sheetUpload,

    async uploadSignedSheet(req: Request, res: Response): Promise<void> {
      const sessionId = idParam(req);
      const sheet = await attendance.uploadSignedSheet(userOf(req), sessionId, uploadedSheet(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.signedSheets.uploaded', params: { name: sheet.name } });
      res.redirect(303, `/attendance/sessions/${sessionId}`);
    },

    async downloadSignedSheet(req: Request, res: Response): Promise<void> {
      const sheet = await attendance.signedSheetDownload(userOf(req), idParam(req));
      // attachment: never shown in the page's origin; the name keeps its umlauts (filename*=UTF-8'').
      res.setHeader('Content-Disposition', contentDisposition('attachment', sheet.name));
      res.setHeader('Content-Type', sheet.contentType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, no-store');
      res.send(sheet.bytes);
    },
  };
}
