import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireLogin, requireRole } from '../http/guards';
import type { RateLimits } from '../http/rate-limit';
import { createCertificatesHandlers } from './certificates.handlers';
import { issueSchema, revokeSchema } from './certificates.schemas';
import type { CertificatesService } from './certificates.service';
import type { CertificatePrinting } from './certificate-printing.service';

export function certificatesRouter(rateLimits: RateLimits, certificates: CertificatesService, printing: CertificatePrinting): Router {
  const handlers = createCertificatesHandlers(certificates, printing);
  const { pages } = handlers;
  const coordinator = requireRole('coordinator', 'admin');
  // Public and printed on paper: generous for people, tight enough to stop guessing codes.
  const verifyLimit = rateLimits([{ name: 'verify_ip', points: 60, durationSeconds: 60 }]);

  const router = Router();
  router.get('/manage/offerings/:id/certificates', coordinator, showForm(pages.overviewPage));
  router.post('/manage/offerings/:id/certificates', coordinator, validateForm(issueSchema, pages.overviewPage), handlers.issue);
  router.get('/manage/offerings/:id/certificates.pdf', coordinator, handlers.bulkPdf);
  router.get('/manage/offerings/:id/certificates.zip', coordinator, handlers.bulkZip);
  router.get('/manage/certificates/:id/revoke', coordinator, showForm(pages.revokePage));
  router.post('/manage/certificates/:id/revoke', coordinator, validateForm(revokeSchema, pages.revokePage), handlers.revoke);
  router.post('/manage/certificates/:id/reissue', coordinator, handlers.reissue);
  router.get('/certificates/:id/download', requireLogin, handlers.download);
  router.get('/my/certificates', requireLogin, handlers.mine);
  router.get('/verify', verifyLimit, handlers.verifyForm);
  router.get('/verify/:code', verifyLimit, handlers.verify);
  return router;
}
