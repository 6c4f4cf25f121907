import { Router } from 'express';
import type { Database } from '../db/database';

/** Coordinators set up programmes, modules, offerings and sessions. */
export function manageCatalogRouter(_db: Database): Router {
  const router = Router();
  return router;
}
