import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database';
import type { JobQueueStats } from '../jobs/jobs';
import { deliveryTally } from '../mail/outbox.service';

export type Metrics = {
  /** Mount first: times every request and files it under its route pattern. */
  timeRequests: RequestHandler;
  /** GET /metrics (Prometheus text format), only when a token is configured. */
  router: Router;
  /** server.ts hands over the job queue once it runs (tests and the bare app have none). */
  watchJobs: (stats: () => Promise<JobQueueStats[]>) => void;
};

type TarnPool = { numUsed(): number; numFree(): number; numPendingAcquires(): number; numPendingCreates(): number };

/**
 * Prometheus metrics of this process, one registry per app (tests build many apps in one
 * process). Most values are read when Prometheus scrapes, so an unscraped instance pays only
 * for timing its requests.
 */
export function createMetrics({ db, token }: { db: Database; token: string | undefined }): Metrics {
  const registry = new Registry();
  // Process memory, CPU, event loop lag, heap and GC: prom-client's standard names, which dashboards expect.
  collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to the end of the response, by route pattern',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: 'kokoma_db_pool_connections',
    help: 'Database connections of the request pool: used, free, requests waiting for one, connections being opened',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = db.client.pool as TarnPool | undefined;
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending_acquires' }, pool.numPendingAcquires());
      this.set({ state: 'pending_creates' }, pool.numPendingCreates());
    },
  });

  let jobStats: (() => Promise<JobQueueStats[]>) | undefined;
  // A scrape while the database is away still answers (with the process metrics).
  const readJobStats = async (): Promise<JobQueueStats[]> => (jobStats ? jobStats().catch(() => []) : []);
  new Gauge({
    name: 'kokoma_job_queue_depth',
    help: 'Runs of a scheduled job waiting to be taken (all instances)',
    labelNames: ['job'],
    registers: [registry],
    async collect() {
      for (const job of await readJobStats()) this.set({ job: job.name }, job.queued);
    },
  });
  new Counter({
    name: 'kokoma_job_failures_total',
    help: 'Runs of a scheduled job that failed in this process',
    labelNames: ['job'],
    registers: [registry],
    async collect() {
      const stats = await readJobStats();
      this.reset();
      for (const job of stats) this.inc({ job: job.name }, job.failed);
    },
  });

  new Counter({
    name: 'kokoma_mail_deliveries_total',
    help: 'Mails from the outbox handed to the mail server (sent), deferred for a retry, or given up (failed), by this process',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const outcome of ['sent', 'retrying', 'failed'] as const) this.inc({ outcome }, deliveryTally[outcome]);
    },
  });

  const timeRequests: RequestHandler = (req, res, next) => {
    const stopTimer = requestDuration.startTimer();
    res.once('finish', () => stopTimer({ method: req.method, route: routePattern(req), status_code: String(res.statusCode) }));
    next();
  };

  const router = Router();
  if (token) {
    router.get('/metrics', requireToken(token), async (_req: Request, res: Response) => {
      res.set('Cache-Control', 'no-store').type(registry.contentType).send(await registry.metrics());
    });
  }

  return { timeRequests, router, watchJobs: (stats) => void (jobStats = stats) };
}

/**
 * The Express route pattern ("/offerings/:id"), never the URL itself: URLs carry ids and
 * tokens (calendar feeds, password reset, check-in codes), which must not reach a metrics
 * store, and every id would be a label value of its own.
 */
function routePattern(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route?.path !== undefined) return `${req.baseUrl}${String(route.path)}`;
  return req.originalUrl.startsWith('/static/') ? '/static' : 'unmatched';
}

/** Bearer token, compared in constant time (both sides hashed, so their lengths match too). */
function requireToken(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req: Request, res: Response, next: NextFunction) => {
    const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').set('Cache-Control', 'no-store').type('text/plain').send('Unauthorized\n');
  };
}
