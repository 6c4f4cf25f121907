import type { Express } from 'express';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer';
import type { Outbox } from '../../src/mail/outbox.service';
import { openTestDatabase, testDatabaseUrl, truncateAll } from './database';

export type TestContext = {
  app: Express;
  db: Database;
  config: Config;
  /** Mails the transport delivered during the current test, in order (delivery runs after the response). */
  mailbox: OutgoingMail[];
  /** The app's outbox: queued mails, background delivery, deliverDue(). */
  outbox: Outbox;
  /** Waits for the app's background mail work, then delivers whatever is due: call before reading `mailbox`. */
  deliverMail: () => Promise<void>;
  /** Simulates an SMTP outage: while true the transport throws and records nothing. */
  transportDown: boolean;
};

/** Start-page figures are computed on every view unless a test asks for the snapshot (REPORT_FIGURES_MAX_AGE_SECONDS). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', BASE_URL: 'http://campus.test', MAIL_DIR: 'var/test-mail', REPORT_FIGURES_MAX_AGE_SECONDS: '0', ...overrides });
}

/**
 * The real app on this worker's real database, with a recording mail transport behind the
 * real outbox. Call in a
 * describe block: tables are emptied before each test, everything is closed after all.
 */
export function useTestApp(overrides: Record<string, string> = {}): TestContext {
  const context = {} as TestContext;
  let close: () => Promise<void> = async () => undefined;
  beforeAll(() => {
    context.config = testConfig(overrides);
    context.db = openTestDatabase();
    context.mailbox = [];
    context.transportDown = false;
    const mailer: Mailer = {
      send: async (mail) => {
        if (context.transportDown) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNECTION' });
        context.mailbox.push(mail);
      },
      close: () => undefined,
    };
    const built = createApp({ config: context.config, db: context.db, databaseUrl: testDatabaseUrl(), logger: createLogger(context.config), mailer });
    context.app = built.app;
    context.outbox = built.outbox;
    context.deliverMail = async () => {
      await built.outbox.idle();
      await built.outbox.deliverDue();
    };
    close = built.close;
  });
  beforeEach(async () => {
    // A test's mail still being delivered must not land in the next test's mailbox.
    await context.outbox.idle();
    context.transportDown = false;
    context.mailbox.length = 0;
    await truncateAll(context.db);
  });
  afterAll(async () => {
    await close();
    await context.db.destroy();
  });
  return context;
}

/** The first link in a mail's text part that starts with the app's base URL. */
export function linkIn(mail: OutgoingMail | undefined): string {
  const match = mail?.text.match(/http:\/\/campus\.test(\/\S+)/);
  if (!match?.[1]) throw new Error(`no app link in mail: ${mail?.text ?? '(no mail)'}`);
  return match[1];
}
