import { Router } from 'express';
import { showForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createCertificateTemplateHandlers } from './template.handlers';
import { templateSchema } from './template.schemas';
import type { CertificateTemplateService } from './template.service';

/** Coordinators configure each programme's certificate: texts, signatories, logos, funding line; with a preview. */
export function certificateTemplateRouter(templates: CertificateTemplateService): Router {
  const handlers = createCertificateTemplateHandlers(templates);
  const page = handlers.editorPage;
  const coordinator = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/manage/programmes/:id/certificate', coordinator, showForm(page));
  router.post('/manage/programmes/:id/certificate', coordinator, handlers.checkCanEdit, handlers.upload.receive, handlers.upload.validate(templateSchema), handlers.save);
  router.get('/manage/programmes/:id/certificate/preview.pdf', coordinator, handlers.preview);
  router.get('/manage/certificate-images/:imageId', coordinator, handlers.image);
  return router;
}
