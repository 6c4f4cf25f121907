import type { NextFunction, Request, Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../db/database';
import { TooManyRequests } from '../shared/errors';

type Limit = {
  name: string;
  points: number;
  durationSeconds: number;
  /** Counted per client address (default) or per logged-in person, from whatever address. */
  per?: 'address' | 'person';
  keyFields?: string[];
};

/** The counter a request consumes from: its address or its person, plus the named form fields. */
function keyOf(req: Request, limit: Limit): string {
  const personId = (req.user as { id?: number } | undefined)?.id;
  // An anonymous request has no person; it is counted by its address instead.
  const subject = limit.per === 'person' && personId !== undefined ? `person:${personId}` : (req.ip ?? 'unknown');
  const body = (req.body ?? {}) as Record<string, unknown>;
  return [subject, ...(limit.keyFields ?? []).map((field) => String(body[field] ?? '').trim().toLowerCase())].join('|');
}

/**
 * Counters live in PostgreSQL (table rate_limits), so a limit holds across all app
 * instances. A key is the client address (or the logged-in person), optionally with fields
 * of the form (e.g. the e-mail address, so one attacker can't lock out everybody behind
 * the same proxy). Limits are consumed in the order given; the first one exceeded answers 429.
 */
export function rateLimit(db: Database, limits: Limit[]) {
  const limiters = limits.map((limit) => ({
    limit,
    limiter: new RateLimiterPostgres({
      storeClient: db,
      storeType: 'knex',
      tableName: 'rate_limits',
      tableCreated: true,
      // Retention: the library deletes counters expired for an hour, every 5 minutes (unref'd timer).
      clearExpiredByTimeout: true,
      keyPrefix: limit.name,
      points: limit.points,
      duration: limit.durationSeconds,
    }),
  }));

  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      for (const { limit, limiter } of limiters) await limiter.consume(keyOf(req, limit));
      next();
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        _res.setHeader('Retry-After', String(Math.ceil(error.msBeforeNext / 1000)));
        return next(new TooManyRequests(error.msBeforeNext / 1000));
      }
      next(error);
    }
  };
}

export type RateLimits = (limits: Limit[]) => (req: Request, res: Response, next: NextFunction) => Promise<void>;

/** What routers get instead of the database: a maker of limits, counted in PostgreSQL. */
export function createRateLimits(db: Database): RateLimits {
  return (limits) => rateLimit(db, limits);
}
