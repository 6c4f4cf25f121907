import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * IP addresses in the audit trail are shortened after the retention period (Löschkonzept):
 * `audit_shorten_ip` and the one exception to the append-only trigger that allows exactly
 * this change are in migration 20261212210000; the partial index there finds the rows.
 */
const toShorten = (db: Db, before: Date) => db('audit_events').where('occurred_at', '<', before).whereNotNull('ip').whereRaw('ip IS DISTINCT FROM audit_shorten_ip(ip)');

export async function shortenIpAddresses(trx: Db, before: Date): Promise<number> {
  return toShorten(trx, before).update({ ip: trx.raw('audit_shorten_ip(ip)') });
}

export function countIpAddressesToShorten(db: Db, before: Date): Knex.QueryBuilder {
  return toShorten(db, before).count('*');
}
