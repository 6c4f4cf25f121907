import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import type { HomeService } from './home.service';
import { startPageView } from './home.view';

export function createHomeHandlers(home: HomeService) {
  return {
    /** Visitors see the public start page; a logged-in person the page of their role. */
    async index(req: Request, res: Response): Promise<void> {
      if (!req.user) return res.renderPage('home/index', { title: req.t('home.title'), start: null });
      const start = startPageView(await home.startPage(userOf(req)));
      res.renderPage('home/index', { title: req.t('home.title'), start });
    },
  };
}
