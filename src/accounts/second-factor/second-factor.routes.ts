import { Router, type NextFunction, type Request, type Response } from 'express';
import { validateForm } from '../../http/forms';
import { requireLogin, requireRole } from '../../http/guards';
import type { RateLimits } from '../../http/rate-limit';
import { Forbidden } from '../../shared/errors';
import type { AccountsService } from '../accounts.service';
import { CODE_PATH, SETUP_PATH } from '../login-completion';
import { createSecondFactorHandlers } from './second-factor.handlers';
import { secondFactorRequired } from './second-factor.rules';
import { loginCodeSchema, setupSchema } from './second-factor.schemas';
import type { SecondFactorService } from './second-factor.service';

const FIFTEEN_MINUTES = 15 * 60;

export function secondFactorRouter(rateLimits: RateLimits, secondFactor: SecondFactorService, accounts: AccountsService): Router {
  const handlers = createSecondFactorHandlers(secondFactor, accounts);
  const { pages } = handlers;
  // Codes at login are limited in the service (code-throttle.ts: wrong codes per account and per
  // address, right ones free, so a whole authority behind one address is never held up).
  // Setting up is done logged in: limited per person.
  const setupLimit = rateLimits([{ name: 'second_factor_setup_person', points: 30, durationSeconds: FIFTEEN_MINUTES, per: 'person' }]);

  const router = Router();
  router.get(CODE_PATH, handlers.showCode);
  router.post(CODE_PATH, validateForm(loginCodeSchema, pages.code), handlers.submitCode);
  router.get('/account/second-factor', requireLogin, handlers.overview);
  router.get(SETUP_PATH, requireLogin, handlers.showSetup);
  router.post(SETUP_PATH, requireLogin, setupLimit, validateForm(setupSchema, pages.setup), handlers.confirmSetup);
  router.post('/account/second-factor/recovery-codes', requireLogin, handlers.regenerateCodes);
  router.post('/account/second-factor/remove', requireLogin, handlers.remove);
  router.post('/admin/users/:id/second-factor/reset', requireRole('admin'), handlers.adminReset);
  return router;
}

/** Where staff without a second factor may still go: the setup itself, logging out, the language. */
const OPEN_DURING_SETUP = [SETUP_PATH, '/logout'];

/**
 * Coordinators and admins whose login has not passed a second factor (none set up yet, or
 * the role was given to them while logged in) can use nothing but the setup page. Reads only
 * the session and the user already loaded with it: no extra statement per page view.
 */
export function secondFactorGate(req: Request, res: Response, next: NextFunction): void {
  const user = req.user;
  if (!user || !secondFactorRequired(user.role) || req.session.secondFactorVerified === true) return next();
  if (OPEN_DURING_SETUP.includes(req.path) || req.path.startsWith('/language/')) {
    // The navigation offers only what can be reached now: the setup itself.
    res.locals.navigation = [{ href: SETUP_PATH, labelKey: 'secondFactor.setup.title', current: req.path === SETUP_PATH }];
    return next();
  }
  if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `${SETUP_PATH}?next=${encodeURIComponent(req.originalUrl)}`);
  next(new Forbidden('secondFactor.errors.setupFirst'));
}
