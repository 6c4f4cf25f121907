import { Router, type Request, type Response } from 'express';
import { createHomeHandlers, type StaffFigures } from './home.handlers';
import type { HomeService } from './home.service';

export function homeRouter(home: HomeService, staffFigures?: StaffFigures): Router {
  const handlers = createHomeHandlers(home, staffFigures);
  const router = Router();
  router.get('/', handlers.index);
  router.get('/impressum', (req: Request, res: Response) => res.renderPage('home/imprint', { title: req.t('home.imprint.title') }));
  // The privacy notice and the other legal pages: legal.routes.ts.
  return router;
}
