import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { createDatabase, isDatabaseEmpty, migrateToLatest } from './db/database';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded';
import { createLogger } from './http/logger';
import { createMailer } from './mail/mailer';
import { startJobs } from './jobs/jobs';
import { createReminderService } from './enrollment/reminders.service';
import { orphanCleanupJob } from './materials/materials.jobs';

/** config → database → app → listen; SIGTERM/SIGINT drain requests and stop everything. */
async function main(): Promise<void> {
  let config;
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

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dataDir: config.embeddedPostgres.dataDir, port: config.embeddedPostgres.port }, 'starting embedded PostgreSQL (no DATABASE_URL set)');
    embedded = await startEmbeddedPostgres({
      dataDir: config.embeddedPostgres.dataDir,
      port: config.embeddedPostgres.port,
      database: 'kokoma',
      onLog: (message) => logger.debug({ postgres: message.trim() }, 'postgres'),
    });
    databaseUrl = embedded.url;
  }

  const db = createDatabase(databaseUrl);
  await migrateToLatest(db);
  if (config.demoSeed && (await isDatabaseEmpty(db))) {
    logger.info('empty database: loading the demo seed');
    await db.seed.run();
  }

  const mailer = createMailer(config, logger);
  const { app, close } = createApp({ config, db, databaseUrl, logger, mailer });
  const reminders = createReminderService(db, mailer, config, logger);
  const jobs = await startJobs(databaseUrl, [{ name: 'session-reminders', cron: '*/15 * * * *', run: () => reminders.sendDueReminders() }, orphanCleanupJob(db, config, logger)], logger);
  const server: Server = app.listen(config.port, () => {
    logger.info({ url: config.baseUrl }, `KoKoMa Campus listening on port ${config.port}`);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const forceExit = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, 15_000);
    forceExit.unref();
    server.close(async () => {
      try {
        await jobs.stop();
        await close();
        await db.destroy();
        mailer.close();
        if (embedded) await embedded.stop();
        logger.info('stopped');
        process.exit(0);
      } catch (error) {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      }
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
