import { Router } from 'express';
import { requireRole } from '../http/guards';
import { createProcessingHandlers } from './processing.handlers';
import type { ProcessingRecords } from './processing.service';

/** The record of processing activities: page and PDF; the service checks `privacy.manage`. */
export function processingRouter(records: ProcessingRecords): Router {
  const handlers = createProcessingHandlers(records);
  const admin = requireRole('admin');
  const router = Router();
  router.get('/admin/processing', admin, handlers.page);
  router.get('/admin/processing.pdf', admin, handlers.pdf);
  return router;
}
