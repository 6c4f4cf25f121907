import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export const ORGANISATION_KINDS = ['district_office', 'municipality', 'public_body', 'association', 'other'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export type OrganisationRow = { id: number; name: string; kind: OrganisationKind; active: boolean };
export type OrganisationWithCount = OrganisationRow & { member_count: number };

export async function selectActiveOrganisations(db: Db): Promise<OrganisationRow[]> {
  return db('organisations').select('id', 'name', 'kind', 'active').where('active', true).orderByRaw('name COLLATE german, id');
}

export async function selectOrganisationsWithCounts(db: Db): Promise<OrganisationWithCount[]> {
  const rows = await db('organisations')
    .leftJoin('users', 'users.organisation_id', 'organisations.id')
    .select('organisations.id', 'organisations.name', 'organisations.kind', 'organisations.active')
    .count({ member_count: 'users.id' })
    .groupBy('organisations.id')
    .orderByRaw('organisations.name COLLATE german, organisations.id');
  return rows as unknown as OrganisationWithCount[];
}

export async function findOrganisation(db: Db, id: number): Promise<OrganisationRow | undefined> {
  return db('organisations').select('id', 'name', 'kind', 'active').where('id', id).first();
}

export async function findOrganisationByName(db: Db, name: string): Promise<OrganisationRow | undefined> {
  return db('organisations').select('id', 'name', 'kind', 'active').whereRaw('lower(name) = lower(?)', [name]).first();
}

export async function insertOrganisation(db: Db, organisation: { name: string; kind: OrganisationKind }): Promise<number> {
  const [row] = await db('organisations').insert(organisation).returning('id');
  return (row as { id: number }).id;
}

export async function updateOrganisation(db: Db, id: number, changes: { name: string; kind: OrganisationKind; active: boolean }): Promise<void> {
  await db('organisations').where('id', id).update({ ...changes, updated_at: db.fn.now() });
}
