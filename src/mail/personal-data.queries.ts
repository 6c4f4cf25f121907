import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalMail = { id: number; subject: string; created_at: Date; sent_at: Date | null };

/** Mails queued to the person's address (subject lines and dates; the texts are the platform's own). */
export async function selectPersonalMails(db: Db, email: string): Promise<PersonalMail[]> {
  return db('outgoing_mails').select('id', 'subject', 'created_at', 'sent_at').whereRaw('lower(recipient) = ?', [email.toLowerCase()]).orderBy('id');
}
