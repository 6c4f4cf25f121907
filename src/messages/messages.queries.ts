import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export const RECIPIENT_GROUPS = ['confirmed', 'waitlisted', 'trainers'] as const;
export type RecipientGroup = (typeof RECIPIENT_GROUPS)[number];

export type MessageRow = {
  id: number;
  offering_id: number;
  sender_user_id: number | null;
  groups: RecipientGroup[];
  subject: string;
  body: string;
  recipient_count: number;
  created_at: Date;
  expanded_at: Date | null;
};

/** total: recipients when sent; queued: mails composed (a person deactivated meanwhile gets none); sent and failed: the outbox's outcome. */
export type Progress = { total: number; queued: number; sent: number; failed: number };
export type MessageWithProgress = MessageRow & Progress & { sender_first_name: string | null; sender_last_name: string | null };

/**
 * The people of the chosen groups of one offering, once each, with an active account: the
 * enrollment domain's statuses and the catalog's session trainers, through their read models.
 */
function recipientsOf(db: Db, offeringId: number, groups: readonly RecipientGroup[]): Knex.QueryBuilder {
  const statuses = groups.filter((group) => group !== 'trainers');
  return db
    .select('d.user_id')
    .from('accounts_directory as d')
    .where('d.active', true)
    .where((people) => {
      if (statuses.length > 0) {
        people.orWhereExists(db('enrollment_statuses as e').select(db.raw('1')).whereRaw('e.user_id = d.user_id').where('e.offering_id', offeringId).whereIn('e.status', statuses));
      }
      if (groups.includes('trainers')) {
        people.orWhereExists(
          db('catalog_session_trainers as st').join('catalog_session_schedule as s', 's.session_id', 'st.session_id').select(db.raw('1')).whereRaw('st.user_id = d.user_id').where('s.offering_id', offeringId),
        );
      }
    });
}

/** How many people each group has, and how many the chosen groups reach together (someone may be in two). */
export async function countRecipients(db: Db, offeringId: number, groups: readonly RecipientGroup[]): Promise<{ confirmed: number; waitlisted: number; trainers: number; chosen: number }> {
  const chosen = groups.length > 0 ? db.raw('(SELECT count(*) FROM (?) r)::int', [recipientsOf(db, offeringId, groups)]) : db.raw('0');
  const row = await db
    .first(
      db.raw('(SELECT count(*) FROM (?) r)::int AS confirmed', [recipientsOf(db, offeringId, ['confirmed'])]),
      db.raw('(SELECT count(*) FROM (?) r)::int AS waitlisted', [recipientsOf(db, offeringId, ['waitlisted'])]),
      db.raw('(SELECT count(*) FROM (?) r)::int AS trainers', [recipientsOf(db, offeringId, ['trainers'])]),
      db.raw('? AS chosen', [chosen]),
    );
  return row as { confirmed: number; waitlisted: number; trainers: number; chosen: number };
}

/** The message and its recipients in two statements, however many they are (no per-person work in the request). */
export async function insertMessage(trx: Knex.Transaction, message: { offeringId: number; senderUserId: number; groups: RecipientGroup[]; subject: string; body: string }): Promise<{ id: number; recipientCount: number }> {
  const [row] = await trx('coordinator_messages')
    .insert({ offering_id: message.offeringId, sender_user_id: message.senderUserId, groups: message.groups, subject: message.subject, body: message.body, recipient_count: 0 })
    .returning('id');
  const id = Number((row as { id: number }).id);
  const inserted = await trx.raw<{ rowCount: number }>('INSERT INTO coordinator_message_recipients (message_id, user_id) SELECT ?, r.user_id FROM (?) r', [id, recipientsOf(trx, message.offeringId, message.groups)]);
  const recipientCount = inserted.rowCount ?? 0;
  await trx('coordinator_messages').where('id', id).update({ recipient_count: recipientCount, ...(recipientCount === 0 ? { expanded_at: trx.fn.now() } : {}) });
  return { id, recipientCount };
}

export type PendingRecipient = { message_id: number; user_id: number; subject: string; body: string; offering_id: number };

/**
 * Takes up to `limit` recipients whose mail is not composed yet, locked with SKIP LOCKED: two
 * instances expanding at once take different people, and each person gets one mail.
 */
export async function claimPendingRecipients(trx: Knex.Transaction, limit: number): Promise<PendingRecipient[]> {
  const { rows } = await trx.raw<{ rows: PendingRecipient[] }>(
    `SELECT r.message_id, r.user_id, m.subject, m.body, m.offering_id
       FROM coordinator_message_recipients r
       JOIN coordinator_messages m ON m.id = r.message_id
      WHERE r.queued_at IS NULL AND m.expanded_at IS NULL
      ORDER BY r.message_id, r.user_id
      LIMIT ?
      FOR UPDATE OF r SKIP LOCKED`,
    [limit],
  );
  return rows;
}

export async function markQueued(trx: Knex.Transaction, messageId: number, userId: number, messageLogId: number | null): Promise<void> {
  await trx('coordinator_message_recipients').where({ message_id: messageId, user_id: userId }).update({ queued_at: trx.fn.now(), message_log_id: messageLogId });
}

/** A message whose every recipient has their mail queued is expanded; returns those just finished. */
export async function finishExpandedMessages(db: Db): Promise<number> {
  return db('coordinator_messages')
    .whereNull('expanded_at')
    .whereNotExists(db('coordinator_message_recipients as r').select(db.raw('1')).whereRaw('r.message_id = coordinator_messages.id').whereNull('r.queued_at'))
    .update({ expanded_at: db.fn.now() });
}

const progressColumns = `m.id, m.offering_id, m.sender_user_id, m.groups, m.subject, m.body, m.recipient_count, m.created_at, m.expanded_at,
       sender.first_name AS sender_first_name, sender.last_name AS sender_last_name,
       m.recipient_count AS total,
       (SELECT count(*) FROM coordinator_message_recipients r WHERE r.message_id = m.id AND r.message_log_id IS NOT NULL)::int AS queued,
       (SELECT count(*) FROM coordinator_message_recipients r JOIN mail_message_states s ON s.message_log_id = r.message_log_id WHERE r.message_id = m.id AND s.state = 'sent')::int AS sent,
       (SELECT count(*) FROM coordinator_message_recipients r JOIN mail_message_states s ON s.message_log_id = r.message_log_id WHERE r.message_id = m.id AND s.state = 'failed')::int AS failed`;

/** The offering's messages, newest first, each with its delivery counts: one statement. */
export async function selectMessagesOfOffering(db: Db, offeringId: number, limit: number, offset: number): Promise<(MessageWithProgress & { all_messages: number })[]> {
  const { rows } = await db.raw<{ rows: (MessageWithProgress & { all_messages: number })[] }>(
    `SELECT ${progressColumns}, count(*) OVER ()::int AS all_messages
       FROM coordinator_messages m
       LEFT JOIN accounts_directory sender ON sender.user_id = m.sender_user_id
      WHERE m.offering_id = ?
      ORDER BY m.created_at DESC, m.id DESC
      LIMIT ? OFFSET ?`,
    [offeringId, limit, offset],
  );
  return rows;
}

export async function selectMessage(db: Db, offeringId: number, messageId: number): Promise<MessageWithProgress | undefined> {
  const { rows } = await db.raw<{ rows: MessageWithProgress[] }>(
    `SELECT ${progressColumns}
       FROM coordinator_messages m
       LEFT JOIN accounts_directory sender ON sender.user_id = m.sender_user_id
      WHERE m.offering_id = ? AND m.id = ?`,
    [offeringId, messageId],
  );
  return rows[0];
}

export type FailedRecipient = { user_id: number; first_name: string; last_name: string; email: string; message_log_id: number; failed_at: Date };

/** Recipients whose mail was given up on, by name. */
export async function selectFailedRecipients(db: Db, messageId: number, limit: number): Promise<FailedRecipient[]> {
  const rows = await db('coordinator_message_recipients as r')
    .join('mail_message_states as s', 's.message_log_id', 'r.message_log_id')
    .join('accounts_directory as d', 'd.user_id', 'r.user_id')
    .select('r.user_id', 'd.first_name', 'd.last_name', 'd.email', 'r.message_log_id', 's.failed_at')
    .where('r.message_id', messageId)
    .where('s.state', 'failed')
    .orderByRaw('d.last_name COLLATE german, d.first_name COLLATE german, r.user_id')
    .limit(limit);
  return (rows as FailedRecipient[]).map((row) => ({ ...row, message_log_id: Number(row.message_log_id) }));
}

export async function selectFailedLogIds(db: Db, messageId: number): Promise<number[]> {
  const rows = await db('coordinator_message_recipients as r')
    .join('mail_message_states as s', 's.message_log_id', 'r.message_log_id')
    .select('r.message_log_id')
    .where('r.message_id', messageId)
    .where('s.state', 'failed');
  return rows.map((row: { message_log_id: string | number }) => Number(row.message_log_id));
}

/** Erasure: the person is no longer named as a recipient (the message keeps its count). */
export async function deleteRecipientRowsOf(db: Db, userId: number): Promise<number> {
  return db('coordinator_message_recipients').where('user_id', userId).delete();
}

/** Retention: messages (with their recipient rows) older than `before`. */
export async function deleteMessagesBefore(db: Db, before: Date): Promise<number> {
  return db('coordinator_messages').where('created_at', '<', before).delete();
}

/** Messages older than `before`, for the retention page's "next run" column. */
export function countMessagesBefore(db: Db, before: Date): Knex.QueryBuilder {
  return db('coordinator_messages').where('created_at', '<', before).count('*');
}
