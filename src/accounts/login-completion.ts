import type { Express, NextFunction, Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import type { AccountsService } from './accounts.service';
import type { SessionUser } from './roles';
import type { SecondFactorService } from './second-factor/second-factor.service';
import { secondFactorStep } from './second-factor/second-factor.rules';

/** How a person proved who they are; every way of logging in ends in `completeLogin`. */
export type LoginMethod = 'password' | 'oidc' | 'ldap';

export type LoginCompletion = {
  method: LoginMethod;
  /** Where to go afterwards: a path inside the app, already checked by the caller. */
  returnTo: string;
  /** The identity provider itself asked a second factor (e.g. its `amr` claim says so). */
  secondFactorByProvider?: boolean;
};

/** A login waiting for its second factor: who, how, where to, until when. Holds no privileges. */
export type PendingLogin = { userId: number; method: LoginMethod; returnTo: string; expiresAt: number };

/** The code must follow the password within this time; then the password is asked again. */
export const PENDING_LOGIN_MS = 10 * 60 * 1000;

export const CODE_PATH = '/login/code';
export const SETUP_PATH = '/account/second-factor/setup';

declare module 'express-session' {
  interface SessionData {
    /** Password (or provider) accepted, second factor still to come; the session is not logged in. */
    pendingLogin?: PendingLogin;
    /** This login passed a second factor (a code, a new setup, or the identity provider's own). */
    secondFactorVerified?: boolean;
  }
}

const SECOND_FACTOR_SETTING = 'kokoma second factor service';

/**
 * app.ts hands the second factor to `completeLogin` this way (an app setting, not a view
 * local), so every caller — the login form, OpenID Connect, LDAP — gets the same rule without
 * having to pass it along.
 */
export function provideSecondFactor(app: Express, secondFactor: SecondFactorService): void {
  app.set(SECOND_FACTOR_SETTING, secondFactor);
}

function secondFactorOf(req: Request): SecondFactorService {
  const service = req.app.get(SECOND_FACTOR_SETTING) as SecondFactorService | undefined;
  if (!service) throw new Error('second factor service not provided (provideSecondFactor in app.ts)');
  return service;
}

/** The pending login of this session, if it has not run out. */
export function pendingLoginOf(req: Request): PendingLogin | undefined {
  const pending = req.session?.pendingLogin;
  return pending && pending.expiresAt > Date.now() ? pending : undefined;
}

/**
 * The one place where a proven identity becomes a logged-in session, for the local login,
 * OpenID Connect and LDAP alike, so that rules about what must happen at login (a second
 * factor, the audit entry) are written once. A person with a second factor gets a pending
 * login (no privileges) and is asked for a code; staff without one are logged in but held on
 * the setup page (secondFactorGate); the provider's own second factor counts as one.
 * req.logIn regenerates the session id (no session fixation).
 */
export function completeLogin(req: Request, res: Response, next: NextFunction, accounts: AccountsService, user: SessionUser, completion: LoginCompletion): void {
  secondFactorOf(req)
    .hasSecondFactor(user.id)
    .then((hasSecondFactor) => {
      const step = secondFactorStep({ role: user.role, hasSecondFactor, secondFactorByProvider: completion.secondFactorByProvider });
      if (step === 'code') return askForCode(req, res, next, user, completion);
      logInNow(req, res, next, accounts, user, { returnTo: completion.returnTo, verified: completion.secondFactorByProvider === true, setup: step === 'setup' });
    })
    .catch(next);
}

function askForCode(req: Request, res: Response, next: NextFunction, user: SessionUser, completion: LoginCompletion): void {
  // A fresh session: whatever this browser was logged in as before ends here.
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.pendingLogin = { userId: user.id, method: completion.method, returnTo: completion.returnTo, expiresAt: Date.now() + PENDING_LOGIN_MS };
    res.redirect(303, CODE_PATH);
  });
}

/**
 * The code was right: the pending login becomes a logged-in session (with a new id).
 * `inNewSession` runs once the new session exists (e.g. a flash message for the next page).
 */
export function completePendingLogin(req: Request, res: Response, next: NextFunction, accounts: AccountsService, user: SessionUser, pending: PendingLogin, inNewSession?: () => void): void {
  logInNow(req, res, next, accounts, user, { returnTo: pending.returnTo, verified: true, setup: false, inNewSession });
}

function logInNow(
  req: Request,
  res: Response,
  next: NextFunction,
  accounts: AccountsService,
  user: SessionUser,
  outcome: { returnTo: string; verified: boolean; setup: boolean; inNewSession?: () => void },
): void {
  req.logIn(user, (loginError) => {
    if (loginError) return next(loginError);
    delete req.session.pendingLogin;
    if (outcome.verified) req.session.secondFactorVerified = true;
    outcome.inNewSession?.();
    const target = outcome.setup ? `${SETUP_PATH}?next=${encodeURIComponent(outcome.returnTo)}` : outcome.returnTo;
    accounts
      .recordLogin(user.id, actorOf(req))
      .then(() => res.redirect(303, target))
      .catch(next);
  });
}
