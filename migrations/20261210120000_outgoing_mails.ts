import type { Knex } from 'knex';

/**
 * The mail outbox: a mail is a row first, written in the same transaction as the change
 * it tells about, and sent afterwards (with retries) by whichever app instance gets to it.
 * An SMTP outage therefore delays mail but never loses it or fails a request.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outgoing_mails', (table) => {
    table.bigIncrements('id');
    table.string('recipient', 254).notNullable();
    table.text('subject').notNullable();
    table.text('text').notNullable();
    table.text('html').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('sent_at', { useTz: true });
    // Set when retries are exhausted; such a row stays for an operator to look at.
    table.timestamp('failed_at', { useTz: true });
    // A short error code and message from the transport, never credentials.
    table.string('last_error', 500);
  });
  await knex.raw('ALTER TABLE outgoing_mails ADD CONSTRAINT outgoing_mails_attempts_check CHECK (attempts >= 0)');
  // The deliverer only ever looks for pending rows that are due.
  await knex.raw('CREATE INDEX outgoing_mails_pending_idx ON outgoing_mails (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL');
  await knex.raw('CREATE INDEX outgoing_mails_sent_idx ON outgoing_mails (sent_at) WHERE sent_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outgoing_mails');
}
