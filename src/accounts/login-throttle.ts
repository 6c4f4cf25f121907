import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../db/database';

const FIFTEEN_MINUTES = 15 * 60;
/** Failures on an account are remembered this long: longer than the pauses between them add up to (~15 min). */
const FAILURE_MEMORY_SECONDS = 60 * 60;
/** From this many failed attempts on one account on, each further one has to wait longer. */
export const DELAY_AFTER_FAILURES = 5;
/** This many failed attempts lock the account for LOCK_SECONDS (and its holder gets a mail). */
export const LOCK_AFTER_FAILURES = 10;
export const LOCK_SECONDS = FIFTEEN_MINUTES;
/** Failed attempts from one client address; high, because a whole authority may share one. */
export const ADDRESS_FAILURES = 100;

/** Wait after the n-th failure in a row: 30 s, 1, 2, 4, 8 minutes, then the lock. */
export function waitAfterFailure(failures: number): number {
  if (failures >= LOCK_AFTER_FAILURES) return LOCK_SECONDS;
  if (failures < DELAY_AFTER_FAILURES) return 0;
  return 30 * 2 ** (failures - DELAY_AFTER_FAILURES);
}

export type ThrottleCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };
export type FailureOutcome = { locked: boolean };

/**
 * Login throttling on counters in PostgreSQL (table rate_limits, shared by all app instances).
 * Only failed attempts count: per account (the typed address, whether or not an account
 * exists, so the answer reveals nothing) across all client addresses, with growing waits
 * and then a lock; and per client address with a high limit. A successful login clears the
 * account's counter.
 */
export function createLoginThrottle(db: Database) {
  const limiter = (keyPrefix: string, points: number, duration: number) =>
    new RateLimiterPostgres({ storeClient: db, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: true, keyPrefix, points, duration });
  const accountFailures = limiter('login_failures_account', LOCK_AFTER_FAILURES, FAILURE_MEMORY_SECONDS);
  // A key here is "blocked" for the current wait or lock; block() sets it, get() reads it.
  const accountWait = limiter('login_wait_account', 1, LOCK_SECONDS);
  const addressFailures = limiter('login_failures_ip', ADDRESS_FAILURES, FIFTEEN_MINUTES);

  const accountKey = (email: string) => email.trim().toLowerCase();
  const addressKey = (ip: string | null) => ip ?? 'unknown';
  const secondsLeft = (result: RateLimiterRes) => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

  return {
    /** Before the password is looked at: may this address try this account now? */
    async check(email: string, ip: string | null): Promise<ThrottleCheck> {
      const [wait, address] = await Promise.all([accountWait.get(accountKey(email)), addressFailures.get(addressKey(ip))]);
      const blocked: RateLimiterRes[] = [];
      if (wait && wait.consumedPoints > 1) blocked.push(wait);
      if (address && address.consumedPoints >= ADDRESS_FAILURES) blocked.push(address);
      if (blocked.length === 0) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(...blocked.map(secondsLeft)) };
    },

    /** Counts a wrong password (or unknown address); `locked` is true exactly when this failure started a lock. */
    async recordFailure(email: string, ip: string | null): Promise<FailureOutcome> {
      const key = accountKey(email);
      const [failures] = await Promise.all([accountFailures.penalty(key), addressFailures.penalty(addressKey(ip))]);
      const wait = waitAfterFailure(failures.consumedPoints);
      if (wait === 0) return { locked: false };
      await accountWait.block(key, wait);
      if (failures.consumedPoints < LOCK_AFTER_FAILURES) return { locked: false };
      // The lock starts a new count: afterwards the first attempts are free again.
      await accountFailures.delete(key);
      return { locked: true };
    },

    async recordSuccess(email: string): Promise<void> {
      const key = accountKey(email);
      await Promise.all([accountFailures.delete(key), accountWait.delete(key)]);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
