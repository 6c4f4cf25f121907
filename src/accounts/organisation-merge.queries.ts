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

/**
 * Remembers the duplicate under the kept organisation; earlier duplicates of the removed one
 * move along, so every old id and name leads to an organisation that still exists.
 */
export async function recordMerge(trx: Knex.Transaction, removed: { id: number; name: string }, keptId: number): Promise<void> {
  await trx('organisation_merges').where('kept_id', removed.id).update({ kept_id: keptId });
  await trx('organisation_merges').insert({ merged_id: removed.id, merged_name: removed.name, kept_id: keptId });
}

/** Where an organisation that no longer exists was merged into. */
export async function findMergedInto(db: Db, mergedId: number): Promise<number | undefined> {
  const row = (await db('organisation_merges').select('kept_id').where('merged_id', mergedId).first()) as { kept_id: number } | undefined;
  return row?.kept_id;
}

/** Old names of merged duplicates whose kept organisation is active: lists may still spell them so. */
export async function selectMergedNames(db: Db): Promise<{ id: number; name: string; merged_name: string }[]> {
  return db('organisation_merges')
    .join('organisations', 'organisations.id', 'organisation_merges.kept_id')
    .where('organisations.active', true)
    .select('organisations.id', 'organisations.name', 'organisation_merges.merged_name');
}
