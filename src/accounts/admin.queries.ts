import type { Knex } from 'knex';
import { findUserById, type UserRow } from './accounts.queries';

type Db = Knex | Knex.Transaction;

/**
 * Locks every active admin account, always in id order (two admins acting on each other
 * take the same locks in the same order: one waits, none deadlocks). PostgreSQL re-checks
 * the condition on a row another transaction changed while this one waited, so the waiter
 * sees an admin the first one just deactivated or demoted as gone.
 */
export async function lockActiveAdmins(trx: Knex.Transaction): Promise<number[]> {
  const rows: { id: number }[] = await trx('users').select('id').where({ role: 'admin', active: true }).orderBy('id').forUpdate();
  return rows.map((row) => Number(row.id));
}

/** The account, locked until the transaction ends: two admins changing it at once take turns. */
export async function lockUser(trx: Knex.Transaction, userId: number): Promise<UserRow | undefined> {
  await trx('users').select('id').where('id', userId).forUpdate();
  return findUserById(trx, userId);
}

export type InvitationTokenRow = { user_id: number; expires_at: Date; used_at: Date | null };

/** The invitation a link belongs to, used or not: the page tells an expired link from an unknown one. */
export async function findInvitationToken(db: Db, tokenHash: string): Promise<InvitationTokenRow | undefined> {
  return db('account_tokens').select('user_id', 'expires_at', 'used_at').where({ purpose: 'invitation', token_hash: tokenHash }).first();
}

/** Whether the account was created by an invitation (its holder may still need a new link). */
export async function wasInvited(db: Db, userId: number): Promise<boolean> {
  return !!(await db('account_tokens').select('user_id').where({ purpose: 'invitation', user_id: userId }).first());
}
