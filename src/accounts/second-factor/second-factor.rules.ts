import type { Role } from '../roles';

/** Coordinators and admins see and change everybody's data: they can't log in with a password alone. */
export function secondFactorRequired(role: Role): boolean {
  return role === 'coordinator' || role === 'admin';
}

/**
 * What happens after a person proved who they are (password, OpenID Connect, LDAP):
 * - `done`: logged in now (no factor needed, or the identity provider already asked one);
 * - `code`: a code from the authenticator app or a recovery code first;
 * - `setup`: logged in, but only the setup page works until a factor is set up.
 */
export type SecondFactorStep = 'done' | 'code' | 'setup';

export function secondFactorStep(input: { role: Role; hasSecondFactor: boolean; secondFactorByProvider?: boolean }): SecondFactorStep {
  if (input.secondFactorByProvider === true) return 'done';
  if (input.hasSecondFactor) return 'code';
  return secondFactorRequired(input.role) ? 'setup' : 'done';
}
