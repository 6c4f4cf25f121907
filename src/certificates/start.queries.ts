import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** How many valid certificates a person holds (revoked and superseded ones no longer count). */
export async function countValidOfUser(db: Db, userId: number): Promise<number> {
  const row = await db('certificates').where({ user_id: userId, status: 'valid' }).count<{ count: string }[]>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}
