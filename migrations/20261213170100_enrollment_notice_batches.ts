import type { Knex } from 'knex';

/**
 * Bulk enrollment (issue 17): the mails of a taken-over list (confirmations, waitlist places,
 * invitations) are composed in the background, not in the request. `enrollment_notice_batches`
 * (enrollment) holds what each person is to be told, written in the transaction of the
 * enrollments; a job composes the mails into the outbox and then empties `notices` (it may
 * hold invitation links) and sets `composed_at`. Self-contained: no app imports.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('enrollment_notice_batches', (table) => {
    table.increments('id');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('CASCADE');
    table.jsonb('notices').notNullable();
    table.integer('total').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('composed_at', { useTz: true });
    table.index(['offering_id', 'created_at']);
  });
  await knex.raw('CREATE INDEX enrollment_notice_batches_pending_idx ON enrollment_notice_batches (id) WHERE composed_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('enrollment_notice_batches');
}
