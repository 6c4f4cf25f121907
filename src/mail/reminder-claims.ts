import type { Knex } from 'knex';
import { insertClaims, type ReminderTarget } from './reminder-claims.queries';

/*
 * Published by the mail domain for the domains that own a reminder's facts (attendance,
 * enrollment): "send this reminder once". Call inside the transaction that queues the mails,
 * so a claim exists exactly when its mail does.
 */
export type { ReminderTarget };

/** The targets this call won (never claimed before): send to these, and only these. */
export function claimReminders(trx: Knex.Transaction, rule: string, targets: ReminderTarget[]): Promise<ReminderTarget[]> {
  return insertClaims(trx, rule, targets);
}
