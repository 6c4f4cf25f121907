import { Router, type Request, type Response } from 'express';
import type { Database } from '../db/database';

export function homeRouter(db: Database): Router {
  const router = Router();
  router.get('/', (req: Request, res: Response) => res.renderPage('home/index', { title: req.t('home.title') }));
  router.get('/impressum', (req: Request, res: Response) => res.renderPage('home/imprint', { title: req.t('home.imprint.title') }));
  router.get('/datenschutz', (req: Request, res: Response) => res.renderPage('home/privacy', { title: req.t('home.privacy.title') }));
  router.get('/healthz', async (_req: Request, res: Response) => {
    try {
      await db.raw('SELECT 1').timeout(2000, { cancel: true });
      res.json({ status: 'ok', db: 'ok' });
    } catch {
      res.status(503).json({ status: 'error', db: 'unavailable' });
    }
  });
  return router;
}
