import type { Knex } from 'knex';

/**
 * Names are listed in German order ("Ärztin" next to "Arzt", "Özdemir" with the O's, case
 * ignored) by the database itself, so long lists can be paged by an index instead of being
 * sorted in the app. One ICU collation, named for what it is for; every list of people sorts
 * with `COLLATE german`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE COLLATION IF NOT EXISTS german (provider = icu, locale = 'de-DE')");
  await knex.raw('CREATE INDEX users_german_name_order ON users (last_name COLLATE german, first_name COLLATE german, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS users_german_name_order');
  await knex.raw('DROP COLLATION IF EXISTS german');
}
