import type { Request } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { actorOf } from '../audit/audit.service';
import type { AccountsService } from './accounts.service';
import type { SessionUser } from './roles';
import { userReadWithSession } from './session-store';

/**
 * A Passport instance per app (no global state between app instances in tests). The
 * session holds only the user id; the user is re-read on each request (with the session),
 * so role changes and deactivations take effect at once.
 */
export function createPassport(accounts: AccountsService) {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
      accounts
        .authenticate(email, password, actorOf(req))
        .then((outcome) => {
          if (outcome.ok) return done(null, outcome.user);
          // The reason (and, when throttled, how long to wait) goes on to the login handler.
          const info = { message: outcome.reason, retryAfterSeconds: outcome.reason === 'throttled' ? outcome.retryAfterSeconds : undefined };
          done(null, false, info);
        })
        .catch(done);
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as SessionUser).id));
  // The store usually read the user together with the session (one statement per page view).
  passport.deserializeUser((req: Request, id: unknown, done: (error: unknown, user?: SessionUser | false) => void) => {
    const readWithSession = userReadWithSession(req, Number(id));
    if (readWithSession !== undefined) return done(null, readWithSession ?? false);
    accounts
      .findSessionUser(Number(id))
      .then((user) => done(null, user ?? false))
      .catch(done);
  });
  return passport;
}

export type AppPassport = ReturnType<typeof createPassport>;
