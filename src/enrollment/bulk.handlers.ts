import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import type { CatalogService } from '../catalog/catalog.service';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { receivedUpload, type ReceivedUpload } from '../http/upload';
import type { bulkConfirmSchema, bulkListSchema } from './bulk.schemas';
import { MAX_ROWS, parseBulkList, type BulkRow } from './bulk-plan';
import { peopleListUpload } from '../http/list-upload';
import { previewView } from './bulk.view';
import type { EnrollmentService } from './enrollment.service';

/**
 * Between preview and "Jetzt übernehmen" the parsed rows wait in the session (in
 * PostgreSQL, like every session), under a fresh id the confirm form names: a second
 * tab with another list can't be confirmed by the first tab's button.
 */
type StoredPreview = { id: string; offeringId: number; rows: BulkRow[]; fingerprint: string; source: string | null };

declare module 'express-session' {
  interface SessionData {
    bulkPreview?: StoredPreview;
  }
}

/** The pasted text is shown again for corrections; very long texts aren't kept in the session. */
const KEPT_SOURCE_MAX = 100_000;


export function createBulkHandlers(enrollment: EnrollmentService, catalog: CatalogService) {
  const bulkPath = (offeringId: number) => `/manage/offerings/${offeringId}/enrollments/bulk`;

  async function offeringOf(offeringId: number) {
    const offering = await catalog.offeringSummary(offeringId);
    if (!offering) throw new NotFound();
    return offering;
  }

  /** Plans the rows against the offering as it is now and keeps them for the confirmation. */
  async function previewLocals(req: Request, offeringId: number, rows: BulkRow[], source: string | null) {
    const offering = await offeringOf(offeringId);
    const plan = await enrollment.previewBulk(userOf(req), offeringId, rows);
    const previewId = randomUUID();
    req.session.bulkPreview = { id: previewId, offeringId, rows, fingerprint: plan.fingerprint, source: source && source.length <= KEPT_SOURCE_MAX ? source : null };
    return { offering, previewId, hasErrors: plan.hasErrors, ...previewView(plan), values: { list: source ?? '' }, maxRows: MAX_ROWS };
  }

  const inputPage: FormPage = {
    view: 'enrollment/bulk',
    titleKey: 'bulk.title',
    locals: async (req: Request) => {
      const offeringId = idParam(req);
      const offering = await offeringOf(offeringId);
      const [counts, notices] = await Promise.all([enrollment.seatCountsOf(userOf(req), offeringId), enrollment.latestBulkNotices(userOf(req), offeringId)]);
      return { offering, counts, maxRows: MAX_ROWS, notices: notices ?? null };
    },
  };

  /** Shown again (status 422) when confirming finds the list changed or faulty under the lock. */
  const previewPage: FormPage = {
    view: 'enrollment/bulk-preview',
    titleKey: 'bulk.preview.title',
    locals: async (req: Request) => {
      const offeringId = idParam(req);
      const stored = req.session.bulkPreview;
      if (!stored || stored.offeringId !== offeringId) throw new Conflict('bulk.errors.previewGone');
      return previewLocals(req, offeringId, stored.rows, stored.source);
    },
  };

  const upload = peopleListUpload(inputPage);

  /** Either pasted text or a file: which one the person meant must be unambiguous. */
  function listSource(list: string, file: ReceivedUpload<string> | undefined): { field: 'list' | 'file'; text: string } {
    if (file && list.trim() !== '') throw new Invalid({ file: 'bulk.errors.both' });
    return file ? { field: 'file', text: file.content } : { field: 'list', text: list };
  }

  return {
    inputPage,
    previewPage,
    upload,

    async preview(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { list } = formData<z.output<typeof bulkListSchema>>(res);
      const { field, text } = listSource(list, receivedUpload<string>(res, 'file'));
      const parsed = parseBulkList(text);
      if (!parsed.ok) throw new Invalid({ [field]: parsed.error }, { [field]: parsed.params ?? {} });
      const locals = await previewLocals(req, offeringId, parsed.rows, text);
      res.renderPage('enrollment/bulk-preview', { title: req.t('bulk.preview.title'), errors: {}, ...locals });
    },

    async confirm(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { previewId } = formData<z.output<typeof bulkConfirmSchema>>(res);
      const stored = req.session.bulkPreview;
      if (!stored || stored.id !== previewId || stored.offeringId !== offeringId) {
        setFlash(req, { type: 'warning', messageKey: 'bulk.errors.previewGone' });
        return res.redirect(303, bulkPath(offeringId));
      }
      const counts = await enrollment.bulkEnroll(userOf(req), offeringId, stored.rows, stored.fingerprint, actorOf(req));
      delete req.session.bulkPreview;
      setFlash(req, { type: 'success', messageKey: 'bulk.done', params: { ...counts, count: counts.invited + counts.enrolled } });
      res.redirect(303, `/manage/offerings/${offeringId}/enrollments`);
    },
  };
}
