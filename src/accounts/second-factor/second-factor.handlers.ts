import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../../audit/audit.service';
import { setFlash } from '../../http/flash';
import { formData, renderFormPage, type FormPage } from '../../http/forms';
import { safeReturnPath } from '../../http/guards';
import { idParam, userOf } from '../../http/request';
import type { AccountsService } from '../accounts.service';
import { completePendingLogin, pendingLoginOf } from '../login-completion';
import type { SecondFactorService } from './second-factor.service';
import type { loginCodeSchema, setupSchema } from './second-factor.schemas';

export function createSecondFactorHandlers(secondFactor: SecondFactorService, accounts: AccountsService) {
  const pages = {
    code: { view: 'accounts/second-factor-code', titleKey: 'secondFactor.code.title' } satisfies FormPage,
    setup: {
      view: 'accounts/second-factor-setup',
      titleKey: 'secondFactor.setup.title',
      locals: async (req: Request) => {
        const user = userOf(req);
        const sealed = typeof req.body?.secret === 'string' ? req.body.secret : undefined;
        return {
          offer: await secondFactor.offerSetup(user, sealed),
          next: safeReturnPath(req.query.next ?? req.body?.next, ''),
          forced: req.session.secondFactorVerified !== true && (await secondFactor.status(user)).required,
        };
      },
    } satisfies FormPage,
  };

  /** Showing the recovery codes is the answer to the POST itself: they are never stored readable, not even in the session. */
  const showRecoveryCodes = (req: Request, res: Response, codes: string[], next: string) =>
    res.renderPage('accounts/second-factor-codes', { title: req.t('secondFactor.codes.title'), codes, next: next || '/account/second-factor' });

  /**
   * A session that only proved a password while a factor already exists (set up in another
   * browser meanwhile) may not replace or change it: log in again, with a code.
   */
  const needsFreshLogin = async (req: Request): Promise<boolean> =>
    req.session.secondFactorVerified !== true && (await secondFactor.hasSecondFactor(userOf(req).id));

  const startOver = (req: Request, res: Response, next: NextFunction) =>
    req.logout((error) => {
      if (error) return next(error);
      setFlash(req, { type: 'info', messageKey: 'secondFactor.code.loginAgain' });
      res.redirect(303, '/login');
    });

  return {
    pages,

    showCode(req: Request, res: Response, next: NextFunction): void {
      if (!pendingLoginOf(req)) return expired(req, res);
      renderFormPage(req, res, pages.code).catch(next);
    },

    async submitCode(req: Request, res: Response, next: NextFunction): Promise<void> {
      const pending = pendingLoginOf(req);
      if (!pending) return expired(req, res);
      const { code } = formData<z.output<typeof loginCodeSchema>>(res);
      const outcome = await secondFactor.verifyLoginCode(pending.userId, code, actorOf(req));
      if (!outcome.ok && outcome.reason === 'throttled') {
        res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
        res.status(429);
        return res.renderPage(pages.code.view, {
          title: req.t(pages.code.titleKey),
          errors: { code: 'secondFactor.errors.throttled' },
          errorParams: { code: { minutes: Math.max(1, Math.ceil(outcome.retryAfterSeconds / 60)) } },
          values: {},
        });
      }
      if (!outcome.ok) return renderFormPage(req, res, pages.code, { code: 'secondFactor.errors.codeWrong' });
      const user = await accounts.findSessionUser(pending.userId);
      // Deactivated (or erased) while the code was being typed.
      if (!user) return expired(req, res);
      const warnAboutCodesLeft =
        outcome.kind === 'recovery' ? () => setFlash(req, { type: 'warning', messageKey: 'secondFactor.code.recoveryUsed', params: { count: outcome.codesLeft ?? 0 } }) : undefined;
      completePendingLogin(req, res, next, accounts, user, pending, warnAboutCodesLeft);
    },

    async overview(req: Request, res: Response): Promise<void> {
      const status = await secondFactor.status(userOf(req));
      res.renderPage('accounts/second-factor', { title: req.t('secondFactor.overview.title'), status });
    },

    async showSetup(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (await needsFreshLogin(req)) return startOver(req, res, next);
      await renderFormPage(req, res, pages.setup);
    },

    async confirmSetup(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (await needsFreshLogin(req)) return startOver(req, res, next);
      const form = formData<z.output<typeof setupSchema>>(res);
      const user = userOf(req);
      const codes = await secondFactor.confirmSetup(user, form.secret, form.code, actorOf(req));
      const returnTo = safeReturnPath(form.next, '');
      if (req.session.secondFactorVerified) return showRecoveryCodes(req, res, codes, returnTo);
      // The login this session began with is complete now: a new session id, as after a code.
      req.logIn(user, (error) => {
        if (error) return next(error);
        req.session.secondFactorVerified = true;
        showRecoveryCodes(req, res, codes, returnTo);
      });
    },

    async regenerateCodes(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (await needsFreshLogin(req)) return startOver(req, res, next);
      const codes = await secondFactor.regenerateRecoveryCodes(userOf(req), actorOf(req));
      showRecoveryCodes(req, res, codes, '');
    },

    async remove(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (await needsFreshLogin(req)) return startOver(req, res, next);
      await secondFactor.remove(userOf(req), actorOf(req));
      delete req.session.secondFactorVerified;
      setFlash(req, { type: 'success', messageKey: 'secondFactor.overview.removed' });
      res.redirect(303, '/account/second-factor');
    },

    async adminReset(req: Request, res: Response): Promise<void> {
      const userId = idParam(req);
      const existed = await secondFactor.reset(userOf(req), userId, actorOf(req));
      setFlash(req, { type: existed ? 'success' : 'info', messageKey: existed ? 'secondFactor.admin.resetDone' : 'secondFactor.admin.noneToReset' });
      res.redirect(303, `/admin/users/${userId}`);
    },
  };

  function expired(req: Request, res: Response): void {
    // Already logged in (a bookmark, the back button): nothing to confirm.
    if (req.user) return res.redirect(303, '/');
    delete req.session.pendingLogin;
    setFlash(req, { type: 'info', messageKey: 'secondFactor.code.expired' });
    res.redirect(303, '/login');
  }
}
