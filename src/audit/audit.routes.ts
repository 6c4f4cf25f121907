import { Router } from 'express';
import { requireRole } from '../http/guards';
import { createAuditHandlers } from './audit.handlers';
import type { AuditLog } from './audit.service';

/**
 * The audit trail: administration sees every entry, coordination the entries about
 * programmes; the service decides (`audit.view`, `audit.viewProgrammes`). Only GET routes:
 * the trail is written by `recordAudit` alone and cannot be changed through the app.
 */
export function auditRouter(auditLog: AuditLog): Router {
  const handlers = createAuditHandlers(auditLog);
  const staff = requireRole('coordinator', 'admin');
  const router = Router();
  router.get('/audit', staff, handlers.list);
  router.get('/audit.csv', staff, handlers.download);
  router.get('/audit.xlsx', staff, handlers.download);
  router.get('/admin/audit', staff, handlers.moved);
  return router;
}
