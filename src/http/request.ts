import type { Request } from 'express';
import type { SessionUser } from '../accounts/roles';
import { Forbidden, NotFound } from '../shared/errors';

/** A numeric id from the path (`/offerings/:id`); anything else is a page that does not exist. */
export function idParam(req: Request, name = 'id'): number {
  const id = Number(req.params[name]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFound();
  return id;
}

/**
 * The logged-in person of a request. Routes behind requireLogin always have one; should a
 * route forget the guard, this refuses instead of handing `undefined` to a service.
 */
export function userOf(req: Request): SessionUser {
  if (!req.user) throw new Forbidden('errors.loginRequired.text');
  return req.user as SessionUser;
}
