import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Locale } from '../i18n/i18n';
import * as queries from './accounts.queries';
import type { Role } from './roles';
import { hashPassword } from './passwords';
import { findInvitationToken } from './admin.queries';
import { hashToken, newSecretToken } from './tokens';

/** Long enough for a colleague back from two weeks' leave; afterwards "Passwort vergessen?" still works. */
export const INVITATION_TTL_DAYS = 14;

/**
 * A real argon2 hash of a random secret nobody keeps: nobody can log in with it, and a
 * login attempt takes as long as for any other account (no hint that the account is new).
 */
export function unusablePasswordHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString('base64url'));
}

/** `role` defaults to participant: only the administration invites with another role. */
export type Invitee = { email: string; firstName: string; lastName: string; organisationId: number; locale: Locale; role?: Role };

/** A new single-use invitation link for an account; the caller expires older ones first. */
export async function insertInvitationToken(trx: Knex.Transaction, userId: number): Promise<string> {
  const { token, tokenHash } = newSecretToken();
  await queries.insertAccountToken(trx, {
    user_id: userId,
    purpose: 'invitation',
    token_hash: tokenHash,
    expires_at: new Date(Date.now() + INVITATION_TTL_DAYS * 24 * 60 * 60 * 1000),
  });
  return token;
}

/**
 * An account created by a coordinator or an admin, inside the caller's transaction: a person
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
    role: invitee.role ?? 'participant',
    password_hash: passwordHash,
    locale: invitee.locale,
    email_verified_at: null,
  });
  const token = await insertInvitationToken(trx, userId);
  await recordAudit(trx, actor, {
    action: 'account.invited',
    subjectType: 'user',
    subjectId: userId,
    after: { email: invitee.email, organisationId: invitee.organisationId, role: invitee.role ?? 'participant', locale: invitee.locale },
  });
  return { userId, token };
}

export type InvitationLinkState = 'usable' | 'expired' | 'invalid';

/** Tells an expired link (its page says how to get a new one) from a used, replaced or unknown one. */
export async function invitationLinkState(db: Knex, token: string): Promise<InvitationLinkState> {
  const row = await findInvitationToken(db, hashToken(token));
  if (!row || row.used_at) return 'invalid';
  return row.expires_at.getTime() > Date.now() ? 'usable' : 'expired';
}
