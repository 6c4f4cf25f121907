import type { Knex } from 'knex';

/**
 * Indexes for two lists that grow with the district (issue 11).
 *
 * - The public catalog lists offerings that have not ended yet. Found through the sessions
 *   that end from now on, the work grows with what lies ahead, not with every offering ever
 *   made; the offering id in the index answers it without touching the table.
 * - The account search looks for a piece of the address or the name anywhere in it
 *   ("schäf", "birkenau"): a trigram index answers that for 10,000 accounts without reading
 *   them all. The expression is the one `selectUsers` searches.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX offering_sessions_ends_at_offering ON offering_sessions (ends_at, offering_id)');
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.raw("CREATE INDEX users_search_trigrams ON users USING gin ((email || ' ' || first_name || ' ' || last_name) gin_trgm_ops)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS users_search_trigrams');
  await knex.raw('DROP EXTENSION IF EXISTS pg_trgm');
  await knex.raw('DROP INDEX IF EXISTS offering_sessions_ends_at_offering');
}
