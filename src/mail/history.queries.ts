import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type MessageState = 'queued' | 'sent' | 'failed';
export type HistoryRow = { id: number; kind: string; subject: string; queued_at: Date; sent_at: Date | null; failed_at: Date | null; state: MessageState; total: number };
export type HistoryPerson = { user_id: number; first_name: string; last_name: string; email: string };

/** A page of the person's message history, newest first, with the number of rows in all: one statement. */
export async function selectHistoryPage(db: Db, userId: number, limit: number, offset: number): Promise<HistoryRow[]> {
  const rows = await db('mail_message_states')
    .select({ id: 'message_log_id' }, 'kind', 'subject', 'queued_at', 'sent_at', 'failed_at', 'state', db.raw('count(*) OVER ()::int AS total'))
    .where('user_id', userId)
    .orderBy([{ column: 'queued_at', order: 'desc' }, { column: 'message_log_id', order: 'desc' }])
    .limit(limit)
    .offset(offset);
  return (rows as HistoryRow[]).map((row) => ({ ...row, id: Number(row.id) }));
}

/** The person whose history a coordinator looks at (the accounts domain's published directory). */
export async function selectHistoryPerson(db: Db, userId: number): Promise<HistoryPerson | undefined> {
  return db('accounts_directory').first('user_id', 'first_name', 'last_name', 'email').where('user_id', userId);
}

/** The whole history of a person for their data export (no bodies are stored). */
export async function selectAllHistory(db: Db, userId: number): Promise<Omit<HistoryRow, 'total'>[]> {
  const rows = await db('mail_message_states')
    .select({ id: 'message_log_id' }, 'kind', 'subject', 'queued_at', 'sent_at', 'failed_at', 'state')
    .where('user_id', userId)
    .orderBy([{ column: 'queued_at', order: 'asc' }, { column: 'message_log_id', order: 'asc' }]);
  return (rows as Omit<HistoryRow, 'total'>[]).map((row) => ({ ...row, id: Number(row.id) }));
}

/** Erasure: the person's history rows go with their account's other traces. */
export async function deleteHistoryOf(db: Db, userId: number): Promise<number> {
  return db('message_log').where('user_id', userId).delete();
}

/** Retention: history rows older than `before`. */
export async function deleteHistoryBefore(db: Db, before: Date): Promise<number> {
  return db('message_log').where('queued_at', '<', before).delete();
}

export async function countHistoryBefore(db: Db, before: Date): Promise<number> {
  const row = await db('message_log').where('queued_at', '<', before).count<{ count: string }>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}
