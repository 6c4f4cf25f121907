import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Who opened an offering's materials, kept no longer than the offering's other records (Löschkonzept). */
export async function deleteVisitsOfOfferings(trx: Db, offeringIds: Knex.QueryBuilder): Promise<number> {
  return trx('material_visits').whereIn('offering_id', offeringIds.clone()).delete();
}

export function countVisitsOfOfferings(db: Db, offeringIds: Knex.QueryBuilder): Knex.QueryBuilder {
  return db('material_visits').whereIn('offering_id', offeringIds.clone()).count('*');
}
