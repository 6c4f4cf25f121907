import { Router } from 'express';
import { createCatalogHandlers } from './catalog.handlers';
import type { CatalogService } from './catalog.service';

/** The public catalog: what is offered, with dates and free seats; no login needed. */
export function catalogRouter(catalog: CatalogService): Router {
  const handlers = createCatalogHandlers(catalog);
  const router = Router();
  router.get('/offerings', handlers.list);
  router.get('/offerings/:id', handlers.detail);
  return router;
}
