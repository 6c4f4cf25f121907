import type { Knex } from 'knex';

/**
 * "Passwort vergessen" answers at once and the same way for every address; the lookup,
 * the token and the mail happen afterwards. The request is a row first, so what was
 * acknowledged survives a crash or a database outage right after the answer. A row lives
 * only until it is handled (seconds): then it is deleted, whether the address had an
 * account or not.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('password_reset_requests', (table) => {
    table.bigIncrements('id');
    table.string('email', 254).notNullable();
    table.string('actor_ip', 64);
    table.string('request_id', 64);
    table.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('password_reset_requests');
}
