import { Router } from 'express';
import type { AppPassport } from './passport';
import { showForm, validateForm } from '../http/forms';
import { requireLogin } from '../http/guards';
import type { RateLimits } from '../http/rate-limit';
import { createAccountsHandlers } from './accounts.handlers';
import type { AccountsService } from './accounts.service';
import type { OrganisationsService } from './organisations.service';
import { changePasswordSchema, forgotPasswordSchema, languageSchema, loginSchema, registrationSchema, resetPasswordSchema } from './accounts.schemas';

const ONE_HOUR = 60 * 60;

export function accountsRouter(rateLimits: RateLimits, accounts: AccountsService, organisations: OrganisationsService, passport: AppPassport): Router {
  const handlers = createAccountsHandlers(accounts, organisations, passport);
  const { pages } = handlers;
  const registrationLimit = rateLimits([{ name: 'register_ip', points: 20, durationSeconds: ONE_HOUR }]);
  const resetLimit = rateLimits([
    { name: 'reset_account', points: 5, durationSeconds: ONE_HOUR, keyFields: ['email'] },
    { name: 'reset_ip', points: 30, durationSeconds: ONE_HOUR },
  ]);
  const invitationLimit = rateLimits([{ name: 'invitation_ip', points: 30, durationSeconds: ONE_HOUR }]);

  const router = Router();
  router.get('/login', showForm(pages.login));
  // Failed logins are throttled per account and per address in the accounts service (login-throttle.ts).
  router.post('/login', validateForm(loginSchema, pages.login), handlers.login);
  router.post('/logout', handlers.logout);
  router.get('/register', showForm(pages.register));
  router.post('/register', registrationLimit, validateForm(registrationSchema, pages.register), handlers.register);
  router.get('/register/sent', handlers.registrationSent);
  router.get('/register/verify/:token', handlers.verifyEmail);
  router.get('/password/forgot', showForm(pages.forgotPassword));
  router.post('/password/forgot', resetLimit, validateForm(forgotPasswordSchema, pages.forgotPassword), handlers.requestPasswordReset);
  router.get('/password/forgot/sent', handlers.passwordResetSent);
  router.get('/password/reset/:token', handlers.showResetForm);
  router.post('/password/reset/:token', resetLimit, validateForm(resetPasswordSchema, pages.resetPassword), handlers.resetPassword);
  router.get('/invitation/:token', handlers.showInvitationForm);
  router.post('/invitation/:token', invitationLimit, validateForm(resetPasswordSchema, pages.invitation), handlers.acceptInvitation);
  router.get('/account', requireLogin, showForm(pages.account));
  router.post('/account/password', requireLogin, validateForm(changePasswordSchema, pages.account), handlers.changePassword);
  router.get('/language/:lang', handlers.switchLanguage);
  router.post('/account/language', requireLogin, validateForm(languageSchema, pages.account), handlers.saveLanguage);
  return router;
}
