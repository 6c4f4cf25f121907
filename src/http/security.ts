import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { createHmac } from 'node:crypto';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../config';

/**
 * Strict CSP: our pages need no inline script or style and load nothing from elsewhere. Forms
 * post to this site only, and to the configured OpenID providers: the login button and the
 * logout form answer with a redirect there, and browsers hold such redirects to form-action.
 */
export function securityHeaders(config: Config) {
  const providerOrigins = [...new Set(config.sso.oidc.map((provider) => new URL(provider.issuer).origin))];
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
        formAction: ["'self'", ...providerOrigins],
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

/**
 * CSRF protection by signed double-submit cookie (csrf-csrf): the token in a form must match
 * the one in a cookie this host set, and its HMAC must fit the login it belongs to. Nothing is
 * stored on the server, so an anonymous visitor's login or registration form creates no
 * session row; once logged in, tokens are bound to the session (a login renews them).
 */
export function createCsrf(config: Pick<Config, 'isProduction' | 'sessionSecret'>) {
  // Its own key, derived from the session secret, so the two uses never share one.
  const secret = createHmac('sha256', config.sessionSecret).update('kokoma csrf tokens').digest('hex');
  const csrf = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req.session?.passport?.user ? req.sessionID : 'anonymous'),
    cookieName: config.isProduction ? '__Host-kokoma.csrf' : 'kokoma.csrf',
    cookieOptions: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/' },
    // Forms post the token as a hidden field; scripts may send it as a header. File uploads
    // (multipart) are parsed only after this check, so their forms carry it in the action URL.
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      if (req.is('multipart/form-data') && typeof req.query._csrf === 'string') return req.query._csrf;
      const fromHeader = req.headers['x-csrf-token'];
      return typeof fromHeader === 'string' ? fromHeader : undefined;
    },
    errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
  });
  return {
    protection: csrf.doubleCsrfProtection,
    /**
     * Forms call csrfToken() in the template: the cookie is set only on pages with a form,
     * and a valid one is reused (several tabs keep working).
     */
    tokenLocal(req: Request, res: Response, next: NextFunction): void {
      let token: string | undefined;
      res.locals.csrfToken = () => (token ??= csrf.generateCsrfToken(req, res));
      next();
    },
  };
}

export function isCsrfError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'EBADCSRFTOKEN';
}
