import type { NextFunction, Request, Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../db/database';
import { TooManyRequests } from './errors';

type Limit = { name: string; points: number; durationSeconds: number; keyFields?: string[] };

/**
 * Counters live in PostgreSQL (table rate_limits), so a limit holds across all app
 * instances. A key is the client address, optionally with fields of the form (e.g. the
 * e-mail address, so one attacker can't lock out everybody behind the same proxy).
 */
export function rateLimit(db: Database, limits: Limit[]) {
  const limiters = limits.map((limit) => ({
    limit,
    limiter: new RateLimiterPostgres({
      storeClient: db,
      storeType: 'knex',
      tableName: 'rate_limits',
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix: limit.name,
      points: limit.points,
      duration: limit.durationSeconds,
    }),
  }));

  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    try {
      for (const { limit, limiter } of limiters) {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const parts = [req.ip ?? 'unknown', ...(limit.keyFields ?? []).map((field) => String(body[field] ?? '').trim().toLowerCase())];
        await limiter.consume(parts.join('|'));
      }
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
