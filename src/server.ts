import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config';
import { createApp } from './app';
import { createDatabase, isDatabaseEmpty, migrateToLatest, withAdvisoryLock } from './db/database';
import { EmbeddedDatabaseError, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded';
import { createLogger, type Logger } from './http/logger';
import { createMailer } from './mail/mailer';
import { mailDeliveryJob } from './mail/outbox.service';
import { createPasswordResetRequests, passwordResetRequestsJob } from './accounts/password-reset-requests';
import { startJobs } from './jobs/jobs';
import { sessionPruningJob } from './accounts/session-store';
import { createReminderService } from './enrollment/reminders.service';
import { attendanceRemindersJob } from './attendance/reminders';
import { messageHistoryRetentionJob } from './mail/history.retention';
import { messageExpansionJob } from './messages/messages.jobs';
import { bulkNoticesJob } from './enrollment/bulk-notices';
import { createEnrollmentNotifier } from './enrollment/enrollment.notifications';
import { orphanCleanupJob } from './materials/materials.jobs';
import { createRetentionService } from './privacy/retention.service';
import { retentionJob } from './privacy/retention.job';
import { createEvaluationLifecycle, evaluationLifecycleJob } from './evaluation/evaluations.service';

/**
 * config → database → app → listen. On SIGTERM/SIGINT: stop taking requests, let the
 * running ones finish (bounded by SHUTDOWN_TIMEOUT_SECONDS), stop the jobs, close the
 * pools, and only then stop the embedded database.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  // A stray rejected promise (a background delivery, a dropped connection) is logged, not fatal.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dataDir: config.embeddedPostgres.dataDir, port: config.embeddedPostgres.port }, 'starting embedded PostgreSQL (no DATABASE_URL set)');
    try {
      embedded = await startEmbeddedPostgres({
        dataDir: config.embeddedPostgres.dataDir,
        port: config.embeddedPostgres.port,
        database: 'kokoma',
        onLog: (message) => logger.debug({ postgres: message.trim() }, 'postgres'),
      });
    } catch (error) {
      await exitWith(logger, error instanceof EmbeddedDatabaseError ? error.message : 'embedded PostgreSQL failed to start', error);
      return;
    }
    databaseUrl = embedded.url;
  }

  // Migrations and the demo seed may take as long as they need; requests may not.
  const setupDb = createDatabase(databaseUrl, { max: 2 });
  try {
    await migrateToLatest(setupDb);
    if (config.demoSeed && (await isDatabaseEmpty(setupDb))) {
      logger.info('empty database: loading the demo seed');
      await setupDb.seed.run();
    }
  } finally {
    await setupDb.destroy();
  }

  const db = createDatabase(databaseUrl, { max: 10, timeouts: config.database.timeouts, logger });
  const mailer = createMailer(config, logger);
  const built = createApp({ config, db, databaseUrl, logger, mailer });
  const reminders = createReminderService(db, mailer, config, logger);
  // pg-boss creates a queue's table on first use without a lock of its own: two instances
  // starting at once on a new database would deadlock there, so they take turns.
  const jobs = await withAdvisoryLock(databaseUrl, 'job-queues', () => startJobs(
    databaseUrl,
    [
      { name: 'session-reminders', cron: '*/15 * * * *', run: () => reminders.sendDueReminders() },
      attendanceRemindersJob({ db, outbox: built.outbox, config, logger }),
      messageExpansionJob({ db, outbox: built.outbox, config, logger }),
      messageHistoryRetentionJob(db, logger),
      bulkNoticesJob({ db, notify: createEnrollmentNotifier(built.outbox, config), logger }),
      orphanCleanupJob(db, config, logger),
      mailDeliveryJob({ db, mailer, logger }),
      passwordResetRequestsJob(createPasswordResetRequests({ db, outbox: built.outbox, config })),
      sessionPruningJob(db, logger),
      retentionJob(createRetentionService({ db, config, logger })),
      evaluationLifecycleJob(createEvaluationLifecycle({ db, outbox: built.outbox, config, logger })),
    ],
    logger,
  ));
  built.watchJobs(jobs.stats);

  const server: Server = built.app.listen(config.port);
  server.on('listening', () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ url: config.baseUrl, port }, `KoKoMa Campus listening on port ${port}`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const message =
      error.code === 'EADDRINUSE'
        ? `Port ${config.port} ist bereits belegt (läuft die App schon?). Wählen Sie mit PORT einen anderen.\nPort ${config.port} is already in use (is the app already running?). Choose another one with PORT.`
        : 'the HTTP server failed';
    void exitWith(logger, message, error, async () => {
      await jobs.stop();
      await built.close();
      await db.destroy();
      await embedded?.stop();
    });
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: no new requests, waiting for running ones');
    built.beginShutdown();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive connections that finish a response while draining are closed at once (drainGuard sets Connection: close).
    const idleSweep = setInterval(() => server.closeIdleConnections(), 250);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn('shutdown timeout reached: closing the remaining connections');
        server.closeAllConnections();
        resolve();
      }, config.shutdownTimeoutMs);
    });
    void Promise.race([drained, deadline])
      .then(async () => {
        clearTimeout(timer);
        clearInterval(idleSweep);
        await jobs.stop();
        await built.close();
        await db.destroy();
        mailer.close();
        if (embedded) await embedded.stop();
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Says what went wrong (and what to do) in the log, cleans up what was started, exits non-zero. */
async function exitWith(logger: Logger, message: string, error: unknown, cleanUp?: () => Promise<void>): Promise<void> {
  logger.fatal({ err: error }, message);
  // The log may go through a worker (pretty printing in development); stderr shows the message for sure.
  console.error(message);
  try {
    await cleanUp?.();
  } finally {
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
