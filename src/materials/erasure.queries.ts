import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Which materials pages a person opened is nobody's business once they are anonymised. */
export async function deleteMaterialVisitsOf(trx: Db, userId: number): Promise<void> {
  await trx('material_visits').where('user_id', userId).delete();
}
