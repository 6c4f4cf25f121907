import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * What the mail job's own retention (outbox.service.ts, every minute) removes next: sent
 * mails after 30 days, mails given up on after 90. Counted for the retention page only.
 */
export function countSentMailsBefore(db: Db, before: Date): Knex.QueryBuilder {
  return db('outgoing_mails').where('sent_at', '<', before).count('*');
}

export function countFailedMailsBefore(db: Db, before: Date): Knex.QueryBuilder {
  return db('outgoing_mails').where('failed_at', '<', before).count('*');
}

/** The message history's rows older than `before` (deleted nightly by history.retention.ts): counted for the retention page. */
export function countHistoryRowsBefore(db: Db, before: Date): Knex.QueryBuilder {
  return db('message_log').where('queued_at', '<', before).count('*');
}
