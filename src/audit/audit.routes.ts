import { Router } from 'express';
import { requireRole } from '../http/guards';
import { createAuditHandlers } from './audit.handlers';
import type { AuditLog } from './audit.service';

/** The audit trail for administration; the service checks `audit.view` itself. */
export function auditRouter(auditLog: AuditLog): Router {
  const handlers = createAuditHandlers(auditLog);
  const router = Router();
  router.get('/admin/audit', requireRole('admin'), handlers.list);
  return router;
}
