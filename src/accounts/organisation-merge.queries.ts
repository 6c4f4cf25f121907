import type { Knex } from 'knex';
import type { OrganisationRow } from './organisations.queries';

type Db = Knex | Knex.Transaction;

/**
 * Both organisations of a merge, locked in id order (a merge the other way round at the
 * same moment waits instead of deadlocking); a registration choosing either waits too.
 */
export async function lockOrganisations(trx: Knex.Transaction, ids: number[]): Promise<OrganisationRow[]> {
  return trx('organisations').select('id', 'name', 'kind', 'active').whereIn('id', ids).orderBy('id').forUpdate();
}

export type MemberCounts = { people: number; active: number };

/** Everything that references an organisation is its people (users.organisation_id); reports read them through views. */
export async function countMembers(db: Db, organisationId: number): Promise<MemberCounts> {
  const row = (await db('users')
    .where('organisation_id', organisationId)
    .select(db.raw('count(*)::int AS people'), db.raw('(count(*) FILTER (WHERE active))::int AS active'))
    .first()) as MemberCounts | undefined;
  return row ?? { people: 0, active: 0 };
}

export async function moveMembers(trx: Knex.Transaction, fromId: number, toId: number): Promise<number> {
  return trx('users').where('organisation_id', fromId).update({ organisation_id: toId, updated_at: trx.fn.now() });
}

export async function deleteOrganisation(trx: Knex.Transaction, id: number): Promise<void> {
  await trx('organisations').where('id', id).delete();
}
