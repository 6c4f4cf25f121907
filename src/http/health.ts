import { Router, type NextFunction, type Request, type Response } from 'express';
import { pendingMigrations, type Database } from '../db/database';
import { newStorageKey, type MaterialStorage } from '../materials/storage';
import { ServiceUnavailable } from '../shared/errors';

/** What the process is doing; while it drains on SIGTERM, load balancers must stop sending. */
export type Lifecycle = { stopping: boolean };

const HEALTH_CHECK_TIMEOUT_MS = 1500;

/**
 * /healthz for load balancers and monitoring: 200 when the database answers, 503 with
 * `db: "down"` when it does not answer within 1.5 s (the probe never waits for the pool's
 * own, longer timeouts), 503 `stopping` while the process drains.
 */
export function healthRouter(db: Database, lifecycle: Lifecycle): Router {
  const router = Router();
  router.get('/healthz', async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    if (lifecycle.stopping) {
      res.status(503).json({ status: 'stopping', db: 'unknown' });
      return;
    }
    const up = await databaseAnswers(db);
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'error', db: up ? 'ok' : 'down' });
  });
  return router;
}

async function databaseAnswers(db: Database): Promise<boolean> {
  return within(db.raw('SELECT 1').then(() => true, () => false), false);
}

/** The probe's answer, or `fallback` when it takes longer than a load balancer waits. */
async function within<T>(probe: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

type Readiness = { database: 'ok' | 'down'; migrations: 'ok' | 'behind' | 'unknown'; storage: 'ok' | 'unreachable' };

/**
 * /readyz: may this instance take traffic? 200 when the database answers, it has run every
 * migration this code knows (an instance of a newer release waits for `db:migrate`), and the
 * file storage answers a stat; else 503 naming what is not ready. /healthz stays the liveness
 * check: a restart fixes none of these.
 */
export function readinessRouter(db: Database, storage: MaterialStorage, lifecycle: Lifecycle): Router {
  const router = Router();
  router.get('/readyz', async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    if (lifecycle.stopping) {
      res.status(503).json({ status: 'stopping', notReady: ['stopping'] });
      return;
    }
    const [database, pending, storageAnswers] = await Promise.all([
      databaseAnswers(db),
      within(pendingMigrations(db).catch(() => null), null),
      // A random key is never stored: "not found" proves the store answers, an error that it does not.
      within(storage.stat(newStorageKey()).then(() => true, () => false), false),
    ]);
    const checks: Readiness = {
      database: database ? 'ok' : 'down',
      migrations: pending === null ? 'unknown' : pending.length === 0 ? 'ok' : 'behind',
      storage: storageAnswers ? 'ok' : 'unreachable',
    };
    const notReady = Object.entries(checks).filter(([, state]) => state !== 'ok').map(([name]) => name);
    res.status(notReady.length === 0 ? 200 : 503).json({
      status: notReady.length === 0 ? 'ready' : 'not ready',
      checks,
      notReady,
      ...(pending && pending.length > 0 ? { pendingMigrations: pending } : {}),
    });
  });
  return router;
}

/**
 * While draining, every response asks the client to close its connection (so keep-alive
 * clients reconnect to another instance), and new page requests get a German 503.
 * Requests already running are not affected.
 */
export function drainGuard(lifecycle: Lifecycle) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!lifecycle.stopping) return next();
    res.setHeader('Connection', 'close');
    if (req.path === '/healthz' || req.path === '/readyz') return next();
    res.setHeader('Retry-After', '5');
    next(new ServiceUnavailable(5, 'errors.stopping.text'));
  };
}
