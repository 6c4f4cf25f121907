import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type ExternalIdentityRow = { id: number; provider: string; subject: string; user_id: number };

/** The link of a provider's subject, locked for this login (two first logins at once wait for each other). */
export async function lockIdentity(db: Db, provider: string, subject: string): Promise<ExternalIdentityRow | undefined> {
  return db('external_identities').select('id', 'provider', 'subject', 'user_id').where({ provider, subject }).forUpdate().first();
}

export async function insertIdentity(db: Db, identity: { provider: string; subject: string; user_id: number }): Promise<void> {
  await db('external_identities').insert({ ...identity, last_login_at: db.fn.now() });
}

export async function touchIdentity(db: Db, id: number): Promise<void> {
  await db('external_identities').where('id', id).update({ last_login_at: db.fn.now() });
}

/** The providers a person is linked to (data export, erasure). */
export async function selectIdentitiesOf(db: Db, userId: number): Promise<{ provider: string; subject: string; created_at: Date; last_login_at: Date | null }[]> {
  return db('external_identities').select('provider', 'subject', 'created_at', 'last_login_at').where('user_id', userId).orderBy('id');
}

/** Erasure: the links go, so nobody can log in to the anonymised account through a provider. */
export async function deleteIdentitiesOf(db: Db, userId: number): Promise<void> {
  await db('external_identities').where('user_id', userId).delete();
}
