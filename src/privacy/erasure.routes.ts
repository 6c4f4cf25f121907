import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireLogin, requireRole } from '../http/guards';
import { createErasureHandlers } from './erasure.handlers';
import { erasureConfirmSchema } from './erasure.schemas';
import type { ErasureService } from './erasure.service';

export function erasureRouter(erasure: ErasureService): Router {
  const handlers = createErasureHandlers(erasure);
  const { pages } = handlers;
  const admin = requireRole('admin');

  const router = Router();
  router.get('/account/erasure', requireLogin, showForm(pages.request));
  router.post('/account/erasure', requireLogin, validateForm(erasureConfirmSchema, pages.request), handlers.request);
  router.get('/admin/erasure-requests', admin, handlers.list);
  router.get('/admin/erasure-requests/:id', admin, showForm(pages.confirm));
  router.post('/admin/erasure-requests/:id', admin, validateForm(erasureConfirmSchema, pages.confirm), handlers.anonymise);
  return router;
}
