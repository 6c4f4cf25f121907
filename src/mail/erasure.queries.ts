import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Outgoing mails to the person, and any other mail naming them (a coordinator's copy),
 * sent or not: a pending one would only tell about somebody who no longer exists.
 */
export async function deleteMailsNaming(trx: Db, email: string, fullName: string): Promise<number> {
  const address = email.toLowerCase();
  return trx('outgoing_mails')
    .whereRaw('lower(recipient) = ?', [address])
    .orWhereRaw('position(? in lower(subject || text || html)) > 0', [address])
    .orWhereRaw('position(? in (subject || text || html)) > 0', [fullName])
    .delete();
}

export async function deleteMessageHistoryOf(trx: Db, userId: number): Promise<number> {
  const history = await trx('message_log').where('user_id', userId).delete();
  const claims = await trx('reminder_claims').where('user_id', userId).delete();
  return history + claims;
}
