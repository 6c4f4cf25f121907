import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Coordinators correct a person's data (name, department, organisation); the caller audits before and after. */
export type PersonCorrection = { first_name: string; last_name: string; department: string | null; organisation_id: number | null };

/** The person as the correction form shows it. */
export async function selectPersonForCorrection(db: Db, userId: number): Promise<(PersonCorrection & { id: number; anonymised_at: Date | null }) | undefined> {
  return db('users').select('id', 'first_name', 'last_name', 'department', 'organisation_id', 'anonymised_at').where('id', userId).first();
}

export async function updatePersonCorrection(trx: Db, userId: number, correction: PersonCorrection, now: Date): Promise<void> {
  await trx('users')
    .where('id', userId)
    .update({ ...correction, updated_at: now });
}
