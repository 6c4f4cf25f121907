import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type ErasureRequestRow = { id: number; user_id: number; requested_at: Date; status: 'open' | 'completed'; completed_at: Date | null; completed_by: number | null };

/** Asking twice leaves the one open request (erasure_requests_one_open). */
export async function insertOpenRequest(trx: Db, userId: number, now: Date): Promise<number> {
  await trx.raw(`INSERT INTO erasure_requests (user_id, requested_at, status) VALUES (?, ?, 'open') ON CONFLICT (user_id) WHERE status = 'open' DO NOTHING`, [userId, now]);
  const row = await trx('erasure_requests').select('id').where({ user_id: userId, status: 'open' }).first();
  return (row as { id: number }).id;
}

export async function findOpenRequestOf(db: Db, userId: number): Promise<ErasureRequestRow | undefined> {
  return db('erasure_requests').select('id', 'user_id', 'requested_at', 'status', 'completed_at', 'completed_by').where({ user_id: userId, status: 'open' }).first();
}

export async function lockRequest(trx: Db, requestId: number): Promise<ErasureRequestRow | undefined> {
  return trx('erasure_requests').select('id', 'user_id', 'requested_at', 'status', 'completed_at', 'completed_by').where('id', requestId).forUpdate().first();
}

/** Every open request of the person is done once the person is anonymised (by request or by retention). */
export async function completeRequestsOf(trx: Db, userId: number, now: Date, completedBy: number | null): Promise<void> {
  await trx('erasure_requests').where({ user_id: userId, status: 'open' }).update({ status: 'completed', completed_at: now, completed_by: completedBy });
}

export type OpenRequestListRow = { id: number; user_id: number; requested_at: Date; first_name: string; last_name: string; organisation_name: string | null; total: string };

/** Open requests, oldest first, one page, with the total (window count) and the names from accounts' published view. */
export async function selectOpenRequestsPage(db: Db, limit: number, offset: number): Promise<OpenRequestListRow[]> {
  return db('erasure_requests as r')
    .join('accounts_people as p', 'p.user_id', 'r.user_id')
    .select('r.id', 'r.user_id', 'r.requested_at', 'p.first_name', 'p.last_name', 'p.organisation_name', db.raw('count(*) OVER () AS total'))
    .where('r.status', 'open')
    .orderBy([{ column: 'r.requested_at' }, { column: 'r.id' }])
    .limit(limit)
    .offset(offset);
}

/** One open request with the person's name, for the confirmation page. */
export async function findOpenRequestWithPerson(db: Db, requestId: number): Promise<Omit<OpenRequestListRow, 'total'> | undefined> {
  return db('erasure_requests as r')
    .join('accounts_people as p', 'p.user_id', 'r.user_id')
    .select('r.id', 'r.user_id', 'r.requested_at', 'p.first_name', 'p.last_name', 'p.organisation_name')
    .where({ 'r.id': requestId, 'r.status': 'open' })
    .first();
}

/** Retention: requests handled before `before` (open ones always stay). */
function handledBefore(db: Db, before: Date): Knex.QueryBuilder {
  return db('erasure_requests').where('status', 'completed').where('completed_at', '<', before);
}

export function countHandledRequestsBefore(db: Db, before: Date): Knex.QueryBuilder {
  return handledBefore(db, before).count('*');
}

export async function deleteHandledRequestsBefore(db: Db, before: Date): Promise<number> {
  return handledBefore(db, before).delete();
}
