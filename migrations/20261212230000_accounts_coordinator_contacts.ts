import type { Knex } from 'knex';

/**
 * Read model published by the accounts domain (it owns `users`): the addresses of the active
 * coordinators, for mails that go to "the coordination" as a whole, such as feedback on
 * accessibility (home domain, /barrierefreiheit). Other domains read it instead of the table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW accounts_coordinator_contacts AS
    SELECT u.id AS user_id, u.email, u.first_name, u.last_name, u.locale
      FROM users u
     WHERE u.role = 'coordinator' AND u.active`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS accounts_coordinator_contacts');
}
