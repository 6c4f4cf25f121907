import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../../config';
import { actorOf } from '../../audit/audit.service';
import { setFlash } from '../../http/flash';
import { safeReturnPath } from '../../http/guards';
import { formData } from '../../http/forms';
import { keptInput } from '../../http/validate';
import type { z } from 'zod';
import type { loginSchema } from '../accounts.schemas';
import { NotFound } from '../../shared/errors';
import type { AccountsService } from '../accounts.service';
import { completeLogin } from '../login-completion';
import type { ExternalIdentities } from './external-identities.service';
import type { LdapLogin } from './ldap.service';
import { OidcFailure, type Oidc, type PendingOidcLogin } from './oidc.service';

declare module 'express-session' {
  interface SessionData {
    /** Between the redirect to an OpenID provider and the way back; used once. */
    oidcLogin?: PendingOidcLogin;
  }
}

/** Which provider the person logged in with, for RP-initiated logout; a cookie, because the login replaces the session. */
type LogoutHint = { userId: number; provider: string; idToken?: string };

/** Browsers drop cookies over 4 KB; an id token with many groups (Entra ID) can be longer: then the logout names the client only. */
const MAX_HINT_BYTES = 3800;

const STATUS: Record<string, number> = { unavailable: 503, throttled: 429, inactive: 403, disabled: 403, unverifiedEmail: 409 };

export function createSsoHandlers(deps: { config: Config; accounts: AccountsService; identities: ExternalIdentities; oidc: Oidc; ldap: LdapLogin | undefined }) {
  const { config, accounts, identities, oidc, ldap } = deps;
  const logoutCookie = config.isProduction ? '__Host-kokoma.sso' : 'kokoma.sso';
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.isProduction, path: '/' };
  const buttons = oidc.providers.map((provider) => ({ id: provider.id, label: provider.label }));

  /** The login form again, with the reason at the top; the typed address is kept, the password never. */
  function renderLogin(req: Request, res: Response, messageKey: string, params: Record<string, unknown> = {}, status = 400): void {
    res.status(status);
    res.renderPage('accounts/login', {
      title: req.t('accounts.login.title'),
      next: safeReturnPath(req.body?.next ?? req.query.next, ''),
      errors: { _form: messageKey },
      errorParams: { _form: params },
      values: req.method === 'POST' ? { email: keptInput(req.body).email ?? '' } : {},
    });
  }

  function providerOf(req: Request) {
    const provider = oidc.find(String(req.params.provider));
    if (!provider) throw new NotFound();
    return provider;
  }

  return {
    /**
     * Every page may show the login form's provider buttons (the login page, the form after an
     * error). The CSP's form-action names the providers (http/security.ts).
     */
    providerButtons(_req: Request, res: Response, next: NextFunction): void {
      res.locals.ssoProviders = buttons;
      next();
    },

    async startOidc(req: Request, res: Response): Promise<void> {
      const provider = providerOf(req);
      try {
        const { url, pending } = await oidc.begin(provider, safeReturnPath(req.body?.next, '/'));
        req.session.oidcLogin = pending;
        res.redirect(303, url);
      } catch (error) {
        if (!(error instanceof OidcFailure)) throw error;
        renderLogin(req, res, `sso.failed.${error.reason}`, { provider: provider.label }, STATUS[error.reason]);
      }
    },

    async oidcCallback(req: Request, res: Response, next: NextFunction): Promise<void> {
      const provider = providerOf(req);
      // Single use: whatever happens now, this pending login is spent (a replayed callback finds nothing).
      const pending = req.session.oidcLogin;
      delete req.session.oidcLogin;
      let result;
      try {
        result = await oidc.finish(provider, new URL(req.originalUrl, config.baseUrl), pending);
      } catch (error) {
        if (!(error instanceof OidcFailure)) throw error;
        await recordRefusal(req, error.reason, `oidc:${provider.id}`);
        return renderLogin(req, res, `sso.failed.${error.reason}`, { provider: provider.label }, STATUS[error.reason]);
      }
      const outcome = await identities.provision(result.profile, actorOf(req));
      if (!outcome.ok) {
        await recordRefusal(req, outcome.reason, `oidc:${provider.id}`);
        return renderLogin(req, res, `sso.failed.${outcome.reason}`, { provider: provider.label }, STATUS[outcome.reason]);
      }
      let hint = JSON.stringify({ userId: outcome.user.id, provider: provider.id, idToken: result.idToken } satisfies LogoutHint);
      if (encodeURIComponent(hint).length > MAX_HINT_BYTES) hint = JSON.stringify({ userId: outcome.user.id, provider: provider.id } satisfies LogoutHint);
      res.cookie(logoutCookie, hint, { ...cookieOptions, maxAge: config.sessions.absoluteMs });
      completeLogin(req, res, next, accounts, outcome.user, { method: 'oidc', returnTo: pending!.returnTo, secondFactorByProvider: result.secondFactorByProvider });
    },

    /** Addresses of the directory's domains log in there; all others go on to the local login (next route). */
    directoryAddressesOnly(isDirectoryAddress: (email: unknown) => boolean) {
      return (req: Request, _res: Response, next: NextFunction) => next(isDirectoryAddress(req.body?.email) ? undefined : 'route');
    },

    async ldapLogin(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (!ldap) return next('route');
      const { email, password } = formData<z.output<typeof loginSchema>>(res);
      const attempt = await ldap.authenticate(email.trim(), password, actorOf(req));
      if (!attempt.ok) {
        if (attempt.reason === 'throttled') {
          res.setHeader('Retry-After', String(attempt.retryAfterSeconds));
          return renderLogin(req, res, 'accounts.login.failed.throttled', { minutes: Math.max(1, Math.ceil(attempt.retryAfterSeconds / 60)) }, 429);
        }
        const key = attempt.reason === 'invalid' ? 'accounts.login.failed.invalid' : `sso.failed.directory.${attempt.reason}`;
        return renderLogin(req, res, key, {}, attempt.reason === 'invalid' ? 422 : STATUS[attempt.reason]);
      }
      const outcome = await identities.provision(attempt.profile, actorOf(req));
      if (!outcome.ok) {
        await recordRefusal(req, outcome.reason, 'ldap');
        return renderLogin(req, res, `sso.failed.${outcome.reason}`, { provider: req.t('sso.directory') }, STATUS[outcome.reason]);
      }
      completeLogin(req, res, next, accounts, outcome.user, { method: 'ldap', returnTo: safeReturnPath(req.body?.next, '/') });
    },

    /**
     * After an OpenID login, logging out also ends the provider's session where it offers
     * RP-initiated logout; otherwise (local or LDAP login) the local logout handles it.
     */
    async logout(req: Request, res: Response, next: NextFunction): Promise<void> {
      const raw = req.cookies?.[logoutCookie] as string | undefined;
      if (!raw) return next('route');
      res.clearCookie(logoutCookie, cookieOptions);
      let hint: Partial<LogoutHint>;
      try {
        hint = JSON.parse(raw) as Partial<LogoutHint>;
      } catch {
        return next('route');
      }
      const provider = typeof hint.provider === 'string' ? oidc.find(hint.provider) : undefined;
      const user = req.user;
      // Someone else logged in on this browser since: their logout is a local one.
      if (!provider || !user || hint.userId !== user.id) return next('route');
      const endSession = await oidc.logoutUrl(provider, typeof hint.idToken === 'string' ? hint.idToken : undefined);
      if (!endSession) return next('route');
      const actor = actorOf(req);
      req.logout((error) => {
        if (error) return next(error);
        setFlash(req, { type: 'success', messageKey: 'accounts.logout.done' });
        accounts
          .recordLogout(user.id, actor)
          .then(() => res.redirect(303, endSession))
          .catch(next);
      });
    },
  };

  function recordRefusal(req: Request, reason: string, provider: string): Promise<void> {
    return identities.recordRefusal(reason, provider, actorOf(req));
  }
}

export type SsoHandlers = ReturnType<typeof createSsoHandlers>;
