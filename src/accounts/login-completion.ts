import type { NextFunction, Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import type { AccountsService } from './accounts.service';
import type { SessionUser } from './roles';

/** How a person proved who they are; every way of logging in ends in `completeLogin`. */
export type LoginMethod = 'password' | 'oidc' | 'ldap';

export type LoginCompletion = {
  method: LoginMethod;
  /** Where to go afterwards: a path inside the app, already checked by the caller. */
  returnTo: string;
  /** The identity provider itself asked a second factor (e.g. its `amr` claim says so). */
  secondFactorByProvider?: boolean;
};

/**
 * The one place where a proven identity becomes a logged-in session, for the local login,
 * OpenID Connect and LDAP alike, so that rules about what must happen at login (a second
 * factor, the audit entry) are written once. req.logIn regenerates the session id (no
 * session fixation).
 */
export function completeLogin(req: Request, res: Response, next: NextFunction, accounts: AccountsService, user: SessionUser, completion: LoginCompletion): void {
  req.logIn(user, (loginError) => {
    if (loginError) return next(loginError);
    accounts
      .recordLogin(user.id, actorOf(req))
      .then(() => res.redirect(303, completion.returnTo))
      .catch(next);
  });
}
