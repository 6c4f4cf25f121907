import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalMail = { id: number; subject: string; created_at: Date; sent_at: Date | null; kind: string | null; state: 'queued' | 'sent' | 'failed' | null };

/**
 * What the platform mailed the person: their message history (kept a year: kind, subject,
 * state) and any queued or recent mail to their address that is not in it (e.g. sent before
 * they had an account). Subject lines and dates; the texts are the platform's own.
 */
export async function selectPersonalMails(db: Db, email: string): Promise<PersonalMail[]> {
  const { rows } = await db.raw<{ rows: PersonalMail[] }>(
    `SELECT id, subject, created_at, sent_at, kind, state FROM (
       SELECT h.message_log_id AS id, h.subject, h.queued_at AS created_at, h.sent_at, h.kind, h.state
         FROM mail_message_states h
         JOIN accounts_directory d ON d.user_id = h.user_id
        WHERE lower(d.email) = :address
       UNION ALL
       SELECT m.id, m.subject, m.created_at, m.sent_at, m.kind, NULL AS state
         FROM outgoing_mails m
        WHERE lower(m.recipient) = :address
          AND NOT EXISTS (SELECT 1 FROM message_log l WHERE l.outgoing_mail_id = m.id)
     ) mails
     ORDER BY created_at, id`,
    { address: email.toLowerCase() },
  );
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}
