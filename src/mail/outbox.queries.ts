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

/** What a mail for an account is called in the message history when the sender named no kind. */
const UNNAMED_KIND = 'other';

/**
 * Queues the mails; a mail for an account also gets its row in the person's message history
 * (message_log: kind, subject, state; no body). Returns the history row of each mail, in
 * order (null for mails to an address only).
 */
export async function insertMails(db: Db, mails: OutgoingMail[]): Promise<(number | null)[]> {
  if (mails.length === 0) return [];
  const inserted: { id: string | number }[] = await db('outgoing_mails').insert(
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
    ['id'],
  );
  const logged = mails.flatMap((mail, index) =>
    mail.userId ? [{ outgoing_mail_id: Number(inserted[index]!.id), user_id: mail.userId, kind: mail.kind ?? UNNAMED_KIND, subject: mail.subject }] : [],
  );
  if (logged.length === 0) return mails.map(() => null);
  const logRows: { id: string | number; outgoing_mail_id: string | number }[] = await db('message_log').insert(logged, ['id', 'outgoing_mail_id']);
  const logIdByMail = new Map(logRows.map((row) => [Number(row.outgoing_mail_id), Number(row.id)]));
  return inserted.map((row) => logIdByMail.get(Number(row.id)) ?? null);
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
  await db('message_log').where('outgoing_mail_id', id).update({ sent_at: db.fn.now(), failed_at: null });
}

export async function markRetry(db: Db, id: number, nextAttemptAt: Date, lastError: string): Promise<void> {
  await db('outgoing_mails').where('id', id).update({ next_attempt_at: nextAttemptAt, last_error: lastError });
}

export async function markFailed(db: Db, id: number, lastError: string): Promise<void> {
  await db('outgoing_mails').where('id', id).update({ failed_at: db.fn.now(), last_error: lastError });
  await db('message_log').where('outgoing_mail_id', id).update({ failed_at: db.fn.now() });
}

/**
 * Puts mails given up on back into the queue as new (attempts from zero, due now), found by
 * their history rows; their history shows "queued" again. Mails already sent, or whose
 * outgoing row is gone, are left alone. Returns how many go out again.
 */
export async function requeueFailed(db: Db, messageLogIds: number[]): Promise<number> {
  if (messageLogIds.length === 0) return 0;
  const requeued: { id: string | number }[] = await db('outgoing_mails')
    .whereIn('id', db('message_log').select('outgoing_mail_id').whereIn('id', messageLogIds).whereNotNull('failed_at'))
    .whereNotNull('failed_at')
    .update({ failed_at: null, attempts: 0, next_attempt_at: db.fn.now(), last_error: null }, ['id']);
  if (requeued.length === 0) return 0;
  await db('message_log').whereIn('outgoing_mail_id', requeued.map((row) => Number(row.id))).update({ failed_at: null });
  return requeued.length;
}

/** Retention: sent mails after `sentBefore`, mails given up on (kept for an operator to look at) after `failedBefore`. */
export async function deleteFinishedBefore(db: Db, sentBefore: Date, failedBefore: Date): Promise<number> {
  return db('outgoing_mails')
    .where((finished) => finished.where('sent_at', '<', sentBefore).orWhere('failed_at', '<', failedBefore))
    .delete();
}

/** Delivered or given-up mails of one kind (sent_at or failed_at set); pending ones stay to be sent. */
export async function deleteFinishedOfKind(db: Db, kind: string): Promise<number> {
  return db('outgoing_mails')
    .where('kind', kind)
    .where((finished) => finished.whereNotNull('sent_at').orWhereNotNull('failed_at'))
    .delete();
}
