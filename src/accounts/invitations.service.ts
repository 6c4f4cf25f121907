import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Locale } from '../i18n/i18n';
import * as queries from './accounts.queries';
import { hashPassword } from './passwords';
import { newSecretToken } from './tokens';

/** Long enough for a colleague back from two weeks' leave; afterwards "Passwort vergessen?" still works. */
export const INVITATION_TTL_DAYS = 14;

/**
 * A real argon2 hash of a random secret nobody keeps: nobody can log in with it, and a
 * login attempt takes as long as for any other account (no hint that the account is new).
 */
export function unusablePasswordHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString('base64url'));
}

export type Invitee = { email: string; firstName: string; lastName: string; organisationId: number; locale: Locale };

/**
 * An account created by a coordinator, inside the caller's transaction: a participant
 * whose address is unconfirmed and who can't log in until they set a password through the
 * single-use link in their invitation (only the token's hash is stored).
 */
export async function createInvitedAccount(trx: Knex.Transaction, invitee: Invitee, passwordHash: string, actor: Actor): Promise<{ userId: number; token: string }> {
  const userId = await queries.insertUser(trx, {
    email: invitee.email,
    first_name: invitee.firstName,
    last_name: invitee.lastName,
    organisation_id: invitee.organisationId,
    department: null,
    role: 'participant',
    password_hash: passwordHash,
    locale: invitee.locale,
    email_verified_at: null,
  });
  const { token, tokenHash } = newSecretToken();
  await queries.insertAccountToken(trx, {
    user_id: userId,
    purpose: 'invitation',
    token_hash: tokenHash,
    expires_at: new Date(Date.now() + INVITATION_TTL_DAYS * 24 * 60 * 60 * 1000),
  });
  await recordAudit(trx, actor, {
    action: 'account.invited',
    subjectType: 'user',
    subjectId: userId,
    after: { email: invitee.email, organisationId: invitee.organisationId, role: 'participant' },
  });
  return { userId, token };
}
