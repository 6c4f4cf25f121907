import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Retention of the accounts domain's tables (Löschkonzept, src/privacy/retention.rules.ts).
 * The privacy service calls these through `./retention.ts`, each in its own transaction;
 * the count builders are sub-selects the admin page folds into one statement.
 */

const spentTokens = (db: Db, now: Date) => db('account_tokens').where((spent) => spent.whereNotNull('used_at').orWhere('expires_at', '<', now));

/** Used or expired single-use links are worth nothing: they go at the next run. */
export async function deleteSpentTokens(trx: Db, now: Date): Promise<number> {
  return spentTokens(trx, now).delete();
}

export function countSpentTokens(db: Db, now: Date): Knex.QueryBuilder {
  return spentTokens(db, now).count('*');
}

/**
 * Never confirmed, never logged in, created before the cut-off, and no link left that could
 * still confirm it (a running invitation keeps its account). Anonymised accounts look the same
 * (their confirmation is reset) but are kept: their records still point at them.
 */
const unverifiedAccounts = (db: Db, createdBefore: Date, now: Date) =>
  db('users as u')
    .whereNull('u.email_verified_at')
    .whereNull('u.anonymised_at')
    .whereNull('u.last_login_at')
    .where('u.created_at', '<', createdBefore)
    .whereNotExists((usable) => usable.select(db.raw('1')).from('account_tokens as t').whereRaw('t.user_id = u.id').whereNull('t.used_at').where('t.expires_at', '>=', now));

export function countUnverifiedRegistrations(db: Db, createdBefore: Date, now: Date): Knex.QueryBuilder {
  return unverifiedAccounts(db, createdBefore, now).count('*');
}

/**
 * Deletes the unverified accounts one by one, each in a savepoint: an invited account that a
 * coordinator already enrolled is referenced (foreign keys RESTRICT) and stays, for the
 * coordinator to clear up; the rest go. Their tokens, calendar feed and visits go with them
 * (ON DELETE CASCADE). Few rows a night, so the loop costs nothing.
 */
export async function deleteUnverifiedRegistrations(trx: Knex.Transaction, createdBefore: Date, now: Date): Promise<number> {
  const candidates: { id: number }[] = await unverifiedAccounts(trx, createdBefore, now).select('u.id').orderBy('u.id').limit(1000);
  let deleted = 0;
  for (const { id } of candidates) {
    try {
      await trx.transaction(async (savepoint) => {
        await savepoint('users').where('id', id).delete();
      });
      deleted += 1;
    } catch (error) {
      if ((error as { code?: string }).code !== '23503') throw error;
    }
  }
  return deleted;
}

/**
 * rate_limits is the rate limiter's table (a library table, see test/unit/table-ownership);
 * its rows are the login throttle's and the forms' counters, keyed by address or typed
 * e-mail, so the accounts domain, whose login throttle they serve, removes expired ones.
 * `expire` is milliseconds since the epoch; rows without an expiry are the limiter's own.
 */
const expiredRateLimits = (db: Db, expiredBefore: Date) => db('rate_limits').where('expire', '<', expiredBefore.getTime());

export async function deleteExpiredRateLimits(trx: Db, expiredBefore: Date): Promise<number> {
  return expiredRateLimits(trx, expiredBefore).delete();
}

export function countExpiredRateLimits(db: Db, expiredBefore: Date): Knex.QueryBuilder {
  return expiredRateLimits(db, expiredBefore).count('*');
}

/** Accounts with no login (or, never logged in, no creation) since `since`: a sub-select of ids. */
export function inactiveAccountIds(db: Db, since: Date): Knex.QueryBuilder {
  return db('users').select('id').whereNotNull('email_verified_at').whereNull('anonymised_at').whereRaw('coalesce(last_login_at, created_at) < ?', [since]);
}
