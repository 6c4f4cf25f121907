import { Router } from 'express';
import { requireRole } from '../http/guards';
import { createRetentionHandlers } from './retention.handlers';
import type { RetentionService } from './retention.service';

/** The Löschkonzept for administration; the service checks `privacy.manage` itself. */
export function retentionRouter(retention: RetentionService): Router {
  const handlers = createRetentionHandlers(retention);
  const router = Router();
  router.get('/admin/retention', requireRole('admin'), handlers.show);
  router.post('/admin/retention/run', requireRole('admin'), handlers.run);
  return router;
}
