import type { NextFunction, Request, Response } from 'express';

/**
 * Every page is its own template rendered into views/layouts/main.ejs, so pages stay
 * free of boilerplate and the layout (skip link, header, navigation, footer) is one file.
 */
export function pageRenderer(req: Request, res: Response, next: NextFunction): void {
  res.renderPage = (view, locals = {}) => {
    res.render(view, locals, (viewError, body) => {
      if (viewError) return next(viewError);
      res.render('layouts/main', { ...locals, body }, (layoutError, html) => {
        if (layoutError) return next(layoutError);
        res.send(html);
      });
    });
  };
  next();
}
