import type { NextFunction, Request, Response } from 'express';
import type { AppPassport } from './passport';
import { completeLogin } from './login-completion';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, renderFormPage, type FormPage } from '../http/forms';
import { safeReturnPath } from '../http/guards';
import { LOCALE_COOKIE } from '../http/locals';
import { keptInput } from '../http/validate';
import { DEFAULT_LOCALE, isLocale } from '../i18n/i18n';
import type { AccountsService } from './accounts.service';
import type { OrganisationsService } from './organisations.service';
import type { SessionUser } from './roles';
import type { changePasswordSchema, forgotPasswordSchema, languageSchema, registrationSchema, resetPasswordSchema } from './accounts.schemas';
import type { z } from 'zod';
import { userOf } from '../http/request';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export function createAccountsHandlers(accounts: AccountsService, organisations: OrganisationsService, passport: AppPassport) {
  const pages = {
    login: {
      view: 'accounts/login',
      titleKey: 'accounts.login.title',
      locals: (req: Request) => ({ next: safeReturnPath(req.query.next ?? req.body?.next, '') }),
    } satisfies FormPage,
    register: {
      view: 'accounts/register',
      titleKey: 'accounts.register.title',
      locals: async () => ({ organisations: await organisations.listForRegistration() }),
    } satisfies FormPage,
    forgotPassword: { view: 'accounts/forgot-password', titleKey: 'accounts.forgot.title' } satisfies FormPage,
    resetPassword: {
      view: 'accounts/reset-password',
      titleKey: 'accounts.reset.title',
      locals: (req: Request) => ({ token: req.params.token }),
    } satisfies FormPage,
    invitation: {
      view: 'accounts/invitation',
      titleKey: 'bulk.invitation.title',
      locals: (req: Request) => ({ token: req.params.token }),
    } satisfies FormPage,
    account: {
      view: 'accounts/account',
      titleKey: 'accounts.account.title',
      locals: async (req: Request) => ({ profile: await accounts.getProfile(userOf(req).id) }),
    } satisfies FormPage,
  };

  return {
    pages,

    login(req: Request, res: Response, next: NextFunction): void {
      passport.authenticate('local', (error: unknown, user: SessionUser | false, info?: { message?: string; retryAfterSeconds?: number }) => {
        if (error) return next(error);
        if (!user && info?.message === 'throttled') {
          const seconds = info.retryAfterSeconds ?? 60;
          res.setHeader('Retry-After', String(seconds));
          res.status(429);
          // The form stays usable; the message says how long to wait, not whether the account exists.
          return res.renderPage(pages.login.view, {
            title: req.t(pages.login.titleKey),
            ...pages.login.locals(req),
            errors: { _form: 'accounts.login.failed.throttled' },
            errorParams: { _form: { minutes: Math.max(1, Math.ceil(seconds / 60)) } },
            values: keptInput(req.body),
          });
        }
        if (!user) {
          const reasonKey = `accounts.login.failed.${info?.message ?? 'invalid'}`;
          return void renderFormPage(req, res, pages.login, { _form: reasonKey }, keptInput(req.body)).catch(next);
        }
        completeLogin(req, res, next, accounts, user, { method: 'password', returnTo: safeReturnPath(req.body?.next, '/') });
      })(req, res, next);
    },

    logout(req: Request, res: Response, next: NextFunction): void {
      const user = req.user;
      const actor = actorOf(req);
      req.logout((error) => {
        if (error) return next(error);
        setFlash(req, { type: 'success', messageKey: 'accounts.logout.done' });
        (user ? accounts.recordLogout(user.id, actor) : Promise.resolve()).then(() => res.redirect(303, '/')).catch(next);
      });
    },

    async register(req: Request, res: Response): Promise<void> {
      await accounts.register(formData<z.output<typeof registrationSchema>>(res), req.locale, actorOf(req));
      res.redirect(303, '/register/sent');
    },

    registrationSent(req: Request, res: Response): void {
      res.renderPage('accounts/message', { title: req.t('accounts.register.sentTitle'), message: req.t('accounts.register.sentText') });
    },

    async verifyEmail(req: Request, res: Response): Promise<void> {
      const verified = await accounts.verifyEmail(String(req.params.token), actorOf(req));
      if (!verified) {
        res.status(410);
        return res.renderPage('accounts/message', { title: req.t('accounts.linkInvalid.title'), message: req.t('accounts.linkInvalid.verify') });
      }
      setFlash(req, { type: 'success', messageKey: 'accounts.register.verified' });
      res.redirect(303, '/login');
    },

    async requestPasswordReset(req: Request, res: Response): Promise<void> {
      await accounts.requestPasswordReset(formData<z.output<typeof forgotPasswordSchema>>(res).email, actorOf(req));
      res.redirect(303, '/password/forgot/sent');
    },

    passwordResetSent(req: Request, res: Response): void {
      res.renderPage('accounts/message', { title: req.t('accounts.forgot.sentTitle'), message: req.t('accounts.forgot.sentText') });
    },

    async showResetForm(req: Request, res: Response): Promise<void> {
      if (!(await accounts.isResetTokenUsable(String(req.params.token)))) {
        res.status(410);
        return res.renderPage('accounts/message', { title: req.t('accounts.linkInvalid.title'), message: req.t('accounts.linkInvalid.reset') });
      }
      await renderFormPage(req, res, pages.resetPassword);
    },

    async resetPassword(req: Request, res: Response): Promise<void> {
      const { password } = formData<z.output<typeof resetPasswordSchema>>(res);
      const done = await accounts.resetPassword(String(req.params.token), password, actorOf(req));
      if (!done) {
        res.status(410);
        return res.renderPage('accounts/message', { title: req.t('accounts.linkInvalid.title'), message: req.t('accounts.linkInvalid.reset') });
      }
      setFlash(req, { type: 'success', messageKey: 'accounts.reset.done' });
      res.redirect(303, '/login');
    },

    async showInvitationForm(req: Request, res: Response): Promise<void> {
      const state = await accounts.invitationLinkState(String(req.params.token));
      if (state === 'expired') {
        res.status(410);
        return res.renderPage('accounts/message', { title: req.t('admin.invitations.expired.title'), message: req.t('admin.invitations.expired.text') });
      }
      if (state !== 'usable') {
        res.status(410);
        return res.renderPage('accounts/message', { title: req.t('accounts.linkInvalid.title'), message: req.t('bulk.invitation.linkInvalid') });
      }
      await renderFormPage(req, res, pages.invitation);
    },

    async acceptInvitation(req: Request, res: Response): Promise<void> {
      const { password } = formData<z.output<typeof resetPasswordSchema>>(res);
      const done = await accounts.acceptInvitation(String(req.params.token), password, actorOf(req));
      if (!done) {
        res.status(410);
        return res.renderPage('accounts/message', { title: req.t('accounts.linkInvalid.title'), message: req.t('bulk.invitation.linkInvalid') });
      }
      setFlash(req, { type: 'success', messageKey: 'bulk.invitation.done' });
      res.redirect(303, '/login');
    },

    async changePassword(req: Request, res: Response): Promise<void> {
      const form = formData<z.output<typeof changePasswordSchema>>(res);
      await accounts.changePassword(userOf(req).id, form.currentPassword, form.password, req.sessionID, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'accounts.account.passwordChanged' });
      res.redirect(303, '/account');
    },

    /**
     * The language links in the header only set this device's preference cookie (no
     * stored data changes, so a plain link is fine and works without JavaScript).
     */
    switchLanguage(req: Request, res: Response): void {
      const lang = isLocale(req.params.lang) ? req.params.lang : DEFAULT_LOCALE;
      res.cookie(LOCALE_COOKIE, lang, { maxAge: ONE_YEAR_MS, sameSite: 'lax', httpOnly: true, secure: req.secure });
      res.redirect(303, safeReturnPath(req.query.returnTo, '/'));
    },

    /** The account's language: used for e-mails and on devices without the cookie. */
    async saveLanguage(req: Request, res: Response): Promise<void> {
      const { lang } = formData<z.output<typeof languageSchema>>(res);
      await accounts.setLocale(userOf(req).id, lang);
      res.cookie(LOCALE_COOKIE, lang, { maxAge: ONE_YEAR_MS, sameSite: 'lax', httpOnly: true, secure: req.secure });
      setFlash(req, { type: 'success', messageKey: 'accounts.account.languageSaved' });
      res.redirect(303, '/account');
    },
  };
}
