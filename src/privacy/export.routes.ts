import { Router } from 'express';
import { requireLogin } from '../http/guards';
import { createExportHandlers } from './export.handlers';
import type { ExportService } from './export.service';

export function exportRouter(exports: ExportService, regionName: string): Router {
  const handlers = createExportHandlers(exports, regionName);
  const router = Router();
  router.get('/account/data.json', requireLogin, handlers.json);
  router.get('/account/data.pdf', requireLogin, handlers.pdf);
  return router;
}
