import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { setFlash } from '../http/flash';
import { formData, renderFormPage, type FormPage } from '../http/forms';
import type { CertificatesService } from './certificates.service';
import type { CertificatePrinting } from './certificate-printing.service';
import { normaliseVerificationCode } from './verification-code';
import { overviewFilterSchema, verifyFormSchema, type issueSchema, type revokeSchema } from './certificates.schemas';
import { keptInput, parseForm } from '../http/validate';
import { contentDisposition } from '../shared/files';
import { overviewView, verificationView } from './certificates.view';


export function createCertificatesHandlers(certificates: CertificatesService, printing: CertificatePrinting) {
  const overviewPage: FormPage = {
    view: 'certificates/offering',
    titleKey: 'certificates.offering.title',
    locals: async (req) => {
      // The filter is a GET form: on a re-rendered POST it is empty, which shows everyone.
      const filter = overviewFilterSchema.parse(req.query);
      return overviewView(await certificates.overview(userOf(req), idParam(req), { state: filter.state, search: filter.q, page: filter.page }), req.t);
    },
  };
  const revokePage: FormPage = {
    view: 'certificates/revoke',
    titleKey: 'certificates.revoke.title',
    locals: async (req) => ({ certificate: await certificates.certificateForCoordinator(userOf(req), idParam(req)) }),
  };
  const verifyPage: FormPage = { view: 'certificates/verify-form', titleKey: 'certificates.verify.title' };
  const back = (offeringId: number) => `/manage/offerings/${offeringId}/certificates`;

  return {
    pages: { overviewPage, revokePage, verifyPage },

    async issue(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const input = formData<z.output<typeof issueSchema>>(res);
      const outcome = await certificates.issue(userOf(req), offeringId, 'all' in input ? 'all' : [input.userId], actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'certificates.offering.issued', params: { created: outcome.created, existing: outcome.existing, count: outcome.created } });
      res.redirect(303, back(offeringId));
    },

    async revoke(req: Request, res: Response): Promise<void> {
      const { reason } = formData<z.output<typeof revokeSchema>>(res);
      const certificate = await certificates.revoke(userOf(req), idParam(req), reason, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'certificates.revoke.done', params: { serial: certificate.serial } });
      res.redirect(303, back(certificate.offering_id));
    },

    async reissue(req: Request, res: Response): Promise<void> {
      const certificate = await certificates.reissue(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'certificates.offering.reissued', params: { serial: certificate.serial } });
      res.redirect(303, back(certificate.offering_id));
    },

    /** The stored bytes, byte for byte as issued. */
    async download(req: Request, res: Response): Promise<void> {
      const stored = await certificates.pdfFor(userOf(req), idParam(req));
      const name = `${req.t(`certificates.kind.${stored.kind}`)}-${stored.serial}.pdf`;
      res.set({
        'Content-Disposition': contentDisposition('attachment', name),
        'Content-Type': 'application/pdf',
        'Content-Length': String(stored.pdf.length),
        ETag: `"${stored.pdf_sha256}"`,
        'Cache-Control': 'private, no-cache',
      });
      res.end(stored.pdf);
    },

    async bulkPdf(req: Request, res: Response): Promise<void> {
      const offering = await printing.offeringForPrinting(userOf(req), idParam(req));
      // Streamed: headers go out now, pages as they are drawn.
      res.set({ 'Content-Disposition': contentDisposition('attachment', `${req.t('certificates.offering.bulkFileName', { offering: offering.id })}.pdf`), 'Content-Type': 'application/pdf', 'Cache-Control': 'private, no-store' });
      await printing.streamOfferingPdf(userOf(req), offering, res, req.t('certificates.offering.bulkTitle', { offering: offering.title }));
    },

    async bulkZip(req: Request, res: Response): Promise<void> {
      const offering = await printing.offeringForPrinting(userOf(req), idParam(req));
      res.set({ 'Content-Disposition': contentDisposition('attachment', `${req.t('certificates.offering.bulkFileName', { offering: offering.id })}.zip`), 'Content-Type': 'application/zip', 'Cache-Control': 'private, no-store' });
      await printing.streamOfferingZip(userOf(req), offering, res);
    },

    async mine(req: Request, res: Response): Promise<void> {
      const list = await certificates.mine(userOf(req));
      res.renderPage('certificates/mine', { title: req.t('certificates.mine.title'), certificates: list });
    },

    /** GET /verify?code=…: a typed code goes to its stable page; a malformed one gets the form again. */
    async verifyForm(req: Request, res: Response): Promise<void> {
      if (req.query.code === undefined) return renderFormPage(req, res, verifyPage);
      // A GET form (nothing changes, so no CSRF token), validated like any other form.
      const parsed = parseForm(verifyFormSchema, req.query);
      if (!parsed.ok) return renderFormPage(req, res, verifyPage, parsed.errors, keptInput(req.query));
      const normalised = normaliseVerificationCode(parsed.data.code);
      if (!normalised) return renderFormPage(req, res, verifyPage, { code: 'certificates.validation.codeFormat' }, { code: parsed.data.code });
      res.redirect(303, `/verify/${normalised}`);
    },

    async verify(req: Request, res: Response): Promise<void> {
      const raw = String(req.params.code ?? '');
      const certificate = await certificates.verify(raw);
      if (!certificate) {
        res.status(404);
        return res.renderPage('certificates/verify-unknown', { title: req.t('certificates.verify.unknownTitle'), code: raw.slice(0, 60) });
      }
      // A code typed in another spelling lands on the one printed on the paper.
      if (raw !== certificate.verification_code) return res.redirect(301, `/verify/${certificate.verification_code}`);
      res.set('Cache-Control', 'no-store');
      res.renderPage('certificates/verify', { title: req.t('certificates.verify.resultTitle'), ...verificationView(certificate) });
    },
  };
}
