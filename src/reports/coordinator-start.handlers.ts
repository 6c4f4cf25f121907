import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import { keptInput, parseForm } from '../http/validate';
import { startFilterSchema, type CoordinatorStart } from './coordinator-start.service';
import { coordinatorStartLocals, startFilterValues } from './coordinator-start.view';

/**
 * GET /reports/overview: the coordinator's start-page figures on a page of their own, so
 * they can be reached (and tested) before the start page includes the same partial.
 */
export function createCoordinatorStartHandlers(coordinatorStart: CoordinatorStart) {
  return {
    async overview(req: Request, res: Response): Promise<void> {
      const title = req.t('reports.start.pageTitle');
      const result = parseForm(startFilterSchema, req.query);
      if (!result.ok) {
        // The form again with the German messages and what was typed; no figures for a filter that is not one.
        const input = keptInput(req.query);
        res.status(422).renderPage('reports/dashboard', {
          title,
          errors: result.errors,
          coordinatorStartErrors: result.errors,
          coordinatorStart: coordinatorStartLocals(null, { year: input.year ?? '', programme: input.programme ?? '' }, req.t, req.locale),
        });
        return;
      }
      const figures = await coordinatorStart.figures(userOf(req), result.data);
      res.renderPage('reports/dashboard', {
        title,
        errors: {},
        coordinatorStart: coordinatorStartLocals(figures, startFilterValues(result.data, figures), req.t, req.locale),
      });
    },
  };
}
