import type { Knex } from 'knex';
import { deleteRecipientRowsOf } from './messages.queries';

/**
 * Published for the privacy domain's anonymisation: the person is no longer listed as a
 * recipient of coordinators' messages (each message keeps its count of recipients).
 */
export function forgetMessageRecipient(trx: Knex.Transaction, userId: number): Promise<number> {
  return deleteRecipientRowsOf(trx, userId);
}
