import type { Knex } from 'knex';
import type { OutgoingMail } from './mailer';

type Db = Knex | Knex.Transaction;

export type ClaimedMail = {
  id: number;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  calendar_method: 'REQUEST' | 'CANCEL' | 'PUBLISH' | null;
  calendar_content: string | null;
  recipient_user_id: number | null;
  kind: string | null;
  attempts: number;
  created_at: Date;
};

export async function insertMails(db: Db, mails: OutgoingMail[]): Promise<void> {
  if (mails.length === 0) return;
  await db('outgoing_mails').insert(
    mails.map((mail) => ({
      recipient: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      calendar_method: mail.calendar?.method ?? null,
      calendar_content: mail.calendar?.content ?? null,
      recipient_user_id: mail.userId ?? null,
      kind: mail.kind ?? null,
    })),
  );
}

/**
 * Takes up to `limit` due mails for this caller: the rows are locked with SKIP LOCKED, so
 * instances running at the same moment take different rows, and their next attempt is
 * pushed out by `leaseSeconds` before the lock is released, so nobody else takes them
 * while they are being sent. A crash while sending means the mail is retried after the
 * lease (at least once, never lost).
 */
export async function claimDueMails(db: Db, limit: number, leaseSeconds: number): Promise<ClaimedMail[]> {
  const { rows } = await db.raw<{ rows: ClaimedMail[] }>(
    // UPDATE … RETURNING gives rows in no particular order: mails go out in the order they were queued.
    `WITH claimed AS (
       UPDATE outgoing_mails SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
        WHERE id IN (
          SELECT id FROM outgoing_mails
           WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id
           LIMIT ?
           FOR UPDATE SKIP LOCKED)
        RETURNING id, recipient, subject, text, html, calendar_method, calendar_content, recipient_user_id, kind, attempts, created_at)
     SELECT * FROM claimed ORDER BY id`,
    [leaseSeconds, limit],
  );
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

export async function markSent(db: Db, id: number): Promise<void> {
  await db('outgoing_mails').where('id', id).update({ sent_at: db.fn.now(), last_error: null });
}

export async function markRetry(db: Db, id: number, nextAttemptAt: Date, lastError: string): Promise<void> {
  await db('outgoing_mails').where('id', id).update({ next_attempt_at: nextAttemptAt, last_error: lastError });
}

export async function markFailed(db: Db, id: number, lastError: string): Promise<void> {
  await db('outgoing_mails').where('id', id).update({ failed_at: db.fn.now(), last_error: lastError });
}

/** Retention: sent mails after `sentBefore`, mails given up on (kept for an operator to look at) after `failedBefore`. */
export async function deleteFinishedBefore(db: Db, sentBefore: Date, failedBefore: Date): Promise<number> {
  return db('outgoing_mails')
    .where((finished) => finished.where('sent_at', '<', sentBefore).orWhere('failed_at', '<', failedBefore))
    .delete();
}
