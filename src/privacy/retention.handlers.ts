import type { Request, Response } from 'express';
import { setFlash } from '../http/flash';
import { actorOf } from '../audit/audit.service';
import type { Locale } from '../shared/format';
import type { RetentionService } from './retention.service';
import { retentionPage } from './retention.view';

/** GET /admin/retention: the rules, the last run, what is due; POST …/run queues a run. */
export function createRetentionHandlers(retention: RetentionService) {
  return {
    async show(req: Request, res: Response): Promise<void> {
      const overview = await retention.overview(req.user);
      res.renderPage('privacy/retention', { title: req.t('privacy.retention.title'), ...retentionPage(overview, req.t, req.locale as Locale) });
    },

    async run(req: Request, res: Response): Promise<void> {
      await retention.requestRun(req.user, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'privacy.retention.queued' });
      res.redirect(303, '/admin/retention');
    },
  };
}
