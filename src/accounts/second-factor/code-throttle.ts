import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../../db/database';

const FIFTEEN_MINUTES = 15 * 60;
/** Wrong codes for one account within 15 minutes before it waits: with three codes valid at a time, guessing stays hopeless. */
export const WRONG_CODES_PER_ACCOUNT = 5;
/** Wrong codes from one client address within 15 minutes: high, because a whole authority may share one address (as for passwords). */
export const WRONG_CODES_PER_ADDRESS = 100;

export type CodeCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counters of wrong second-factor codes in PostgreSQL (table rate_limits, shared by all
 * instances), per account and per client address. Only wrong codes count; the limit is
 * checked before a code is looked at, so a blocked attacker learns nothing from trying on.
 */
export function createCodeThrottle(db: Database) {
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterPostgres({ storeClient: db, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: true, keyPrefix, points, duration: FIFTEEN_MINUTES });
  const perAccount = limiter('second_factor_account', WRONG_CODES_PER_ACCOUNT);
  const perAddress = limiter('second_factor_ip', WRONG_CODES_PER_ADDRESS);
  const accountKey = (userId: number) => String(userId);
  const addressKey = (ip: string | null) => ip ?? 'unknown';
  const secondsLeft = (result: RateLimiterRes) => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

  return {
    async check(userId: number, ip: string | null): Promise<CodeCheck> {
      const [account, address] = await Promise.all([perAccount.get(accountKey(userId)), perAddress.get(addressKey(ip))]);
      const blocked = [account && account.consumedPoints >= WRONG_CODES_PER_ACCOUNT ? account : null, address && address.consumedPoints >= WRONG_CODES_PER_ADDRESS ? address : null].filter(
        (result): result is RateLimiterRes => result !== null,
      );
      if (blocked.length === 0) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(...blocked.map(secondsLeft)) };
    },

    async recordWrongCode(userId: number, ip: string | null): Promise<void> {
      await Promise.all([perAccount.penalty(accountKey(userId)), perAddress.penalty(addressKey(ip))]);
    },

    async recordSuccess(userId: number): Promise<void> {
      await perAccount.delete(accountKey(userId));
    },
  };
}

export type CodeThrottle = ReturnType<typeof createCodeThrottle>;
