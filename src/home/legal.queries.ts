import type { Knex } from 'knex';

export type CoordinatorContact = { email: string; first_name: string; last_name: string; locale: 'de' | 'en' };

/** The active coordinators, from the read model the accounts domain publishes (view accounts_coordinator_contacts). */
export function selectActiveCoordinators(db: Knex | Knex.Transaction): Promise<CoordinatorContact[]> {
  return db('accounts_coordinator_contacts').select('email', 'first_name', 'last_name', 'locale').orderBy('user_id');
}
