import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Accounts' part of anonymising a person (privacy's erasure and the retention job call it
 * through src/privacy/erasure.service.ts). Set-based; each takes the caller's transaction.
 */

export type PersonToErase = { id: number; first_name: string; last_name: string; email: string; anonymised_at: Date | null };

/** The person as stored before anonymising (what must disappear elsewhere), locked for the erasure. */
export async function lockPersonToErase(trx: Db, userId: number): Promise<PersonToErase | undefined> {
  return trx('users').select('id', 'first_name', 'last_name', 'email', 'anonymised_at').where('id', userId).forUpdate().first();
}

export const ANONYMISED_FIRST_NAME = 'Gelöschte';
export const ANONYMISED_LAST_NAME = 'Person';

/** A placeholder that is unique (users_email_unique) and can never receive mail (.invalid, RFC 2606). */
export function anonymisedEmail(userId: number): string {
  return `geloescht-${userId}@invalid`;
}

/**
 * The row stays (enrollments, attendance and certificates point to it, so the figures stay);
 * everything that identifies the person goes. The organisation stays: the funder's counts
 * per organisation must not change. The password hash becomes a value no password matches.
 */
export async function anonymiseUserRow(trx: Db, userId: number, now: Date): Promise<void> {
  await trx('users')
    .where('id', userId)
    .update({
      first_name: ANONYMISED_FIRST_NAME,
      last_name: ANONYMISED_LAST_NAME,
      email: anonymisedEmail(userId),
      department: null,
      password_hash: '!anonymised',
      active: false,
      locale: 'de',
      email_verified_at: null,
      last_login_at: null,
      anonymised_at: now,
      updated_at: now,
    });
}

/** Every session of the person ends (the session JSON names them by id). */
export async function deleteSessionsOf(trx: Db, userId: number): Promise<void> {
  await trx('http_sessions').whereRaw("sess -> 'passport' ->> 'user' = ?", [String(userId)]).delete();
}

export async function deleteTokensOf(trx: Db, userId: number): Promise<void> {
  await trx('account_tokens').where('user_id', userId).delete();
}

/**
 * Pending "Passwort vergessen" requests for the address. (Rate-limit counters keyed by an
 * address belong to the limiter library; they expire within the hour and the retention job
 * removes what is left after 24 hours.)
 */
export async function deleteAddressTraces(trx: Db, email: string): Promise<void> {
  await trx('password_reset_requests').whereRaw('lower(email) = ?', [email.toLowerCase()]).delete();
}
