import type { NextFunction, Request, Response } from 'express';

export type Flash = { type: 'success' | 'info' | 'warning' | 'danger'; messageKey: string; params?: Record<string, unknown> };

declare module 'express-session' {
  interface SessionData {
    flash?: Flash;
  }
}

/** A one-time message for the page after a POST → redirect (e.g. "Gespeichert."). */
export function setFlash(req: Request, flash: Flash): void {
  req.session.flash = flash;
}

export function flashLocal(req: Request, res: Response, next: NextFunction): void {
  if (req.session?.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
}
