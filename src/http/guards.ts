import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../accounts/roles';
import { Forbidden } from '../shared/errors';

/** Anonymous GETs are sent to the login page and come back afterwards; anything else is refused. */
export function requireLogin(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  if (req.method === 'GET') return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
  next(new Forbidden('errors.loginRequired.text'));
}

export function requireRole(...roles: Role[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.user) return requireLogin(req, res, next);
    if (!roles.includes(req.user.role)) return next(new Forbidden());
    next();
  };
}

/** Only local paths are followed after login or a language switch (no open redirects). */
export function safeReturnPath(candidate: unknown, fallback = '/'): string {
  if (typeof candidate !== 'string') return fallback;
  if (!candidate.startsWith('/') || candidate.startsWith('//') || candidate.startsWith('/\\')) return fallback;
  return candidate;
}
