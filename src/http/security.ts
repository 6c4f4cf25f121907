import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import type { Config } from '../config';

/** Strict CSP: our pages need no inline script or style and load nothing from elsewhere. */
export function securityHeaders(config: Config) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(config.isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.isProduction,
    referrerPolicy: { policy: 'same-origin' },
  });
}

const csrf = csrfSync({
  // Forms post the token as a hidden field; scripts may send it as a header. File uploads
  // (multipart) are parsed only after this check, so their forms carry it in the action URL.
  getTokenFromRequest: (req) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    if (req.is('multipart/form-data') && typeof req.query._csrf === 'string') return req.query._csrf;
    const fromHeader = req.headers['x-csrf-token'];
    return typeof fromHeader === 'string' ? fromHeader : undefined;
  },
  errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
});

export const csrfProtection = csrf.csrfSynchronisedProtection;

/**
 * Forms call csrfToken() in the template. The token is created (and the session saved)
 * only when a page has a form, and then reused: anonymous page views write no session.
 */
export function csrfTokenLocal(req: Request, res: Response, next: NextFunction): void {
  res.locals.csrfToken = () => csrf.generateToken(req);
  next();
}

export function isCsrfError(error: unknown): boolean {
  return error === csrf.invalidCsrfTokenError || (error as { code?: string } | null)?.code === 'EBADCSRFTOKEN';
}
