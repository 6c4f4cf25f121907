import { Router } from 'express';
import { requireLogin } from '../http/guards';
import { createAnswersHandlers } from './answers.handlers';
import type { AnswersService } from './answers.service';

/**
 * Answering evaluations. Any logged-in person may ask; the service decides from the
 * participants whether they may answer (people marked present or late in the subject).
 */
export function evaluationAnswersRouter(answers: AnswersService): Router {
  const handlers = createAnswersHandlers(answers);
  const router = Router();
  router.get('/my/evaluations', requireLogin, handlers.mine);
  router.get('/evaluations/:id', requireLogin, handlers.show);
  router.post('/evaluations/:id', requireLogin, handlers.submit);
  return router;
}
