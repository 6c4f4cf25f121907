import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import { keptInput, parseForm } from '../http/validate';
import { startFilterSchema, type CoordinatorStart } from './coordinator-start.service';
import { coordinatorStartLocals, startFilterValues } from './coordinator-start.view';

/** What a page that shows the figures needs: the partial's locals and the status (422 for a filter that is not one). */
export type StartFiguresSection = { status: 200 | 422; locals: Record<string, unknown> };

/**
 * The coordinator's figures for the start page and for /reports/overview: validates the
 * year/programme filter from the query and builds the partial's locals.
 */
export function startFiguresSection(coordinatorStart: CoordinatorStart) {
  return async (req: Request): Promise<StartFiguresSection> => {
    const result = parseForm(startFilterSchema, req.query);
    if (!result.ok) {
      // The form again with the German messages and what was typed; no figures for a filter that is not one.
      const input = keptInput(req.query);
      return {
        status: 422,
        locals: {
          errors: result.errors,
          coordinatorStartErrors: result.errors,
          coordinatorStart: coordinatorStartLocals(null, { year: input.year ?? '', programme: input.programme ?? '' }, req.t, req.locale),
        },
      };
    }
    const figures = await coordinatorStart.figures(userOf(req), result.data);
    return { status: 200, locals: { errors: {}, coordinatorStart: coordinatorStartLocals(figures, startFilterValues(result.data, figures), req.t, req.locale) } };
  };
}

/** GET /reports/overview: the same figures on a page of their own. */
export function createCoordinatorStartHandlers(coordinatorStart: CoordinatorStart) {
  const section = startFiguresSection(coordinatorStart);
  return {
    async overview(req: Request, res: Response): Promise<void> {
      const { status, locals } = await section(req);
      res.status(status).renderPage('reports/dashboard', { title: req.t('reports.start.pageTitle'), ...locals });
    },
  };
}
