import { Router } from 'express';
import { requireLogin, requireRole } from '../http/guards';
import { createHistoryHandlers } from './history.handlers';
import type { MessageHistory } from './history.service';

/** The message history: one's own, and anybody's for coordination (the service checks `reports.view`). */
export function messageHistoryRouter(history: MessageHistory): Router {
  const handlers = createHistoryHandlers(history);
  const router = Router();
  router.get('/my/messages', requireLogin, handlers.mine);
  router.get('/reports/people/:userId/messages', requireRole('coordinator', 'admin'), handlers.ofPerson);
  return router;
}
