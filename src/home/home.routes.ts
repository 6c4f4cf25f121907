import { Router, type Request, type Response } from 'express';

export function homeRouter(): Router {
  const router = Router();
  router.get('/', (req: Request, res: Response) => res.renderPage('home/index', { title: req.t('home.title') }));
  router.get('/impressum', (req: Request, res: Response) => res.renderPage('home/imprint', { title: req.t('home.imprint.title') }));
  router.get('/datenschutz', (req: Request, res: Response) => res.renderPage('home/privacy', { title: req.t('home.privacy.title') }));
  return router;
}
