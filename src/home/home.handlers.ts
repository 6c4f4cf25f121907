import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import type { HomeService } from './home.service';
import { startPageView } from './home.view';

/**
 * The coordinator's figures come from the reports domain; app.ts hands its section in, so
 * the start page does not reach into another domain's handlers.
 */
export type StaffFigures = (req: Request) => Promise<{ status: number; locals: Record<string, unknown> }>;

export function createHomeHandlers(home: HomeService, staffFigures?: StaffFigures) {
  return {
    /** Visitors see the public start page; a logged-in person the page of their role. */
    async index(req: Request, res: Response): Promise<void> {
      if (!req.user) return res.renderPage('home/index', { title: req.t('home.title'), start: null });
      const start = startPageView(await home.startPage(userOf(req)));
      const figures = start.kind === 'staff' && staffFigures ? await staffFigures(req) : undefined;
      res.status(figures?.status ?? 200).renderPage('home/index', { title: req.t('home.title'), start, ...figures?.locals });
    },
  };
}
