import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Database } from '../db/database';
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
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([db.raw('SELECT 1').then(() => true, () => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
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
    if (req.path === '/healthz') return next();
    res.setHeader('Retry-After', '5');
    next(new ServiceUnavailable(5, 'errors.stopping.text'));
  };
}
