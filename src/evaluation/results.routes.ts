import { Router } from 'express';
import { requireRole } from '../http/guards';
import { createResultsHandlers } from './results.handlers';
import type { ResultsService } from './results.service';

/**
 * Evaluation results for coordination and trainers; the service checks `evaluation.viewResults`
 * and, for a trainer, that they taught what was evaluated. Files before the page of one
 * evaluation, so "12.csv" is not read as an id.
 */
export function resultsRouter(results: ResultsService): Router {
  const handlers = createResultsHandlers(results);
  const staff = requireRole('trainer', 'coordinator', 'admin');
  const router = Router();
  router.get('/evaluation/results', staff, handlers.list);
  router.get('/evaluation/results/compare', staff, handlers.comparison);
  router.get('/evaluation/results/compare.csv', staff, handlers.comparisonFile);
  router.get('/evaluation/results/compare.xlsx', staff, handlers.comparisonFile);
  router.get('/evaluation/results/:id.csv', staff, handlers.file);
  router.get('/evaluation/results/:id.xlsx', staff, handlers.file);
  router.get('/evaluation/results/:id', staff, handlers.show);
  return router;
}
