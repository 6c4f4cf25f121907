import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import type { Mailer, OutgoingMail } from './mailer';
import * as queries from './outbox.queries';

const MINUTE_MS = 60 * 1000;
const MAX_DELAY_MS = 60 * MINUTE_MS;
/** 1, 2, 4 … 32 minutes, then hourly: the 30th attempt is about a day after the first. */
export const MAX_ATTEMPTS = 30;
const BATCH_SIZE = 20;
/** Longer than any SMTP conversation: a claimed row is only taken again after an instance died while sending it. */
const LEASE_SECONDS = 5 * 60;
/** Sent mails hold personal data (names, links); a month is enough to answer "did it go out?". */
export const SENT_RETENTION_DAYS = 30;
/** Mails given up on stay long enough for an operator to notice and resend by hand, then go too. */
export const FAILED_RETENTION_DAYS = 90;

/** Wait before the next try after `attempts` failed ones: doubling from one minute, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MINUTE_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

/** What went wrong, short enough for a column and without credentials (an SMTP URL may carry a password). */
export function describeSendError(error: unknown): string {
  const details = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [
    typeof details.code === 'string' ? details.code : null,
    typeof details.responseCode === 'number' ? String(details.responseCode) : null,
    typeof details.message === 'string' ? details.message : String(error),
  ];
  return parts
    .filter(Boolean)
    .join(' ')
    .replace(/\/\/[^\s/@]*@/g, '//***@')
    .replace(/\b(AUTH\s+\S+)\s+\S+/gi, '$1 ***')
    .slice(0, 500);
}

export type OutboxDeps = { db: Database; mailer: Mailer; logger: Logger };
export type DeliveryResult = { sent: number; retrying: number; failed: number };

/**
 * Deliveries of this process since it started, for /metrics: one tally for every outbox the
 * process builds (the app's, the delivery job's), read at each scrape; only ever grows.
 */
export const deliveryTally: DeliveryResult = { sent: 0, retrying: 0, failed: 0 };

/**
 * Mail goes out through the outbox: `queue` writes rows (pass the transaction of the change
 * the mail is about, so a committed change always has its mail); delivery happens after
 * the commit, in the background of this process, and every minute from the job queue for
 * retries. Requests never wait for SMTP and never fail because of it.
 */
export function createOutbox({ db, mailer, logger }: OutboxDeps) {
  const pending = new Set<Promise<unknown>>();
  let delivering: Promise<void> | null = null;
  let deliverAgain = false;

  function track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => logger.error({ err: error }, 'background mail work failed'));
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  }

  /** Starts delivery without waiting for it; a nudge during a run makes the run go round once more. */
  function nudge(): void {
    if (delivering) {
      deliverAgain = true;
      return;
    }
    delivering = (async () => {
      do {
        deliverAgain = false;
        await deliverDue();
      } while (deliverAgain);
    })().finally(() => {
      delivering = null;
    });
    track(delivering);
  }

  async function deliverOne(mail: queries.ClaimedMail, result: DeliveryResult): Promise<void> {
    try {
      const calendar = mail.calendar_method && mail.calendar_content ? { method: mail.calendar_method, content: mail.calendar_content } : undefined;
      await mailer.send({ to: mail.recipient, subject: mail.subject, text: mail.text, html: mail.html, calendar, userId: mail.recipient_user_id, kind: mail.kind ?? undefined });
      await queries.markSent(db, mail.id);
      result.sent += 1;
      deliveryTally.sent += 1;
    } catch (error) {
      const lastError = describeSendError(error);
      if (mail.attempts >= MAX_ATTEMPTS) {
        await queries.markFailed(db, mail.id, lastError);
        result.failed += 1;
        deliveryTally.failed += 1;
        logger.error({ mailId: mail.id, attempts: mail.attempts, error: lastError }, 'mail given up after repeated failures');
      } else {
        await queries.markRetry(db, mail.id, new Date(Date.now() + retryDelayMs(mail.attempts)), lastError);
        result.retrying += 1;
        deliveryTally.retrying += 1;
        logger.warn({ mailId: mail.id, attempts: mail.attempts, error: lastError }, 'mail not sent, will retry');
      }
    }
  }

  /** Sends every due mail once; safe to run on several instances at the same time. */
  async function deliverDue(): Promise<DeliveryResult> {
    const result: DeliveryResult = { sent: 0, retrying: 0, failed: 0 };
    for (;;) {
      const claimed = await queries.claimDueMails(db, BATCH_SIZE, LEASE_SECONDS);
      for (const mail of claimed) await deliverOne(mail, result);
      if (claimed.length < BATCH_SIZE) return result;
    }
  }

  return {
    /**
     * Returns, per mail, its row in the person's message history (null for a mail to an
     * address only): a coordinator message keeps it to show each recipient's delivery.
     */
    async queue(trxOrDb: Knex | Knex.Transaction, mails: OutgoingMail[]): Promise<(number | null)[]> {
      if (mails.length === 0) return [];
      const logIds = await queries.insertMails(trxOrDb, mails);
      // Inside a transaction the rows are invisible until commit: nudge after it (a rollback sends nothing).
      if (trxOrDb.isTransaction) (trxOrDb as Knex.Transaction).executionPromise.then(nudge, () => undefined);
      else nudge();
      return logIds;
    },

    /** Sends mails given up on once more (by their message history rows); returns how many. */
    async retryFailed(trxOrDb: Knex | Knex.Transaction, messageLogIds: number[]): Promise<number> {
      const requeued = await queries.requeueFailed(trxOrDb, messageLogIds);
      if (requeued > 0) {
        if (trxOrDb.isTransaction) (trxOrDb as Knex.Transaction).executionPromise.then(nudge, () => undefined);
        else nudge();
      }
      return requeued;
    },

    deliverDue,

    /** Work that ends in a queued mail but need not delay the response (see requestPasswordReset). */
    defer(task: () => Promise<void>): void {
      track(Promise.resolve().then(task));
    },

    /** Resolves when no background delivery or deferred work of this instance is running. */
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },

    /**
     * Forgets the mails of one kind that are done with (sent or given up), earlier than the usual
     * retention: for mails whose mere existence says something that must not outlive its purpose
     * (an evaluation reminder says that its recipient had not answered yet).
     */
    forgetFinished(trxOrDb: Knex | Knex.Transaction, kind: string): Promise<number> {
      return queries.deleteFinishedOfKind(trxOrDb, kind);
    },

    /** Retention: sent rows go after SENT_RETENTION_DAYS; failed ones stay for an operator, FAILED_RETENTION_DAYS. */
    async deleteExpired(now: Date = new Date()): Promise<number> {
      const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * MINUTE_MS);
      return queries.deleteFinishedBefore(db, daysAgo(SENT_RETENTION_DAYS), daysAgo(FAILED_RETENTION_DAYS));
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

/**
 * Every minute (pg-boss' finest cron step) on whichever instance takes the job: retries of
 * mails that failed, mails queued by an instance that stopped before sending, and the
 * retention of sent rows (deleted after SENT_RETENTION_DAYS).
 */
export function mailDeliveryJob(deps: OutboxDeps): ScheduledJob {
  const outbox = createOutbox(deps);
  return {
    name: 'mail-delivery',
    cron: '* * * * *',
    run: async () => {
      const result = await outbox.deliverDue();
      const deleted = await outbox.deleteExpired();
      if (result.sent + result.retrying + result.failed + deleted > 0) deps.logger.info({ ...result, deleted }, 'mail delivery run');
    },
  };
}
