import type { Knex } from 'knex';

/**
 * Messages (issue 17, part 2). Self-contained: no app imports.
 * - `message_log` (mail): one row per mail queued for an account: kind, subject and its
 *   state (queued, sent, failed) with dates, never the body. Outgoing rows are deleted 30 days
 *   after sending (they hold whole texts); the person's message history must outlive that,
 *   so it is a small table of its own, kept for a year (retention rule `mail.message_log`).
 * - `reminder_claims` (mail): a reminder rule has fired for one subject (a session, an
 *   excuse case) and one person. The unique key makes "sent once across all instances"
 *   an invariant of the database; the claim and the queued mail share one transaction.
 * - `coordinator_messages` / `coordinator_message_recipients` (messages): what a coordinator
 *   wrote to which groups of an offering, and per recipient the log row of their mail (set
 *   when the background job has composed and queued it).
 * - `mail_message_states`: the mail domain's published read of the log for other domains.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('message_log', (table) => {
    table.bigIncrements('id');
    table.bigInteger('outgoing_mail_id').unique().references('outgoing_mails.id').onDelete('SET NULL');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.text('kind').notNullable();
    table.text('subject').notNullable();
    table.timestamp('queued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('sent_at', { useTz: true });
    table.timestamp('failed_at', { useTz: true });
    table.index(['user_id', 'queued_at']);
    table.index(['queued_at']);
  });
  await knex.raw('ALTER TABLE message_log ADD CONSTRAINT message_log_one_outcome CHECK (sent_at IS NULL OR failed_at IS NULL)');

  await knex.schema.createTable('reminder_claims', (table) => {
    table.text('rule').notNullable();
    table.integer('subject_id').notNullable();
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.timestamp('claimed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['rule', 'subject_id', 'user_id']);
    table.index(['claimed_at']);
  });

  await knex.schema.createTable('coordinator_messages', (table) => {
    table.increments('id');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('CASCADE');
    table.integer('sender_user_id').references('users.id').onDelete('SET NULL');
    table.specificType('groups', 'text[]').notNullable();
    table.text('subject').notNullable();
    table.text('body').notNullable();
    table.integer('recipient_count').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('expanded_at', { useTz: true });
    table.index(['offering_id', 'created_at']);
    table.index(['created_at']);
  });
  await knex.raw(`ALTER TABLE coordinator_messages ADD CONSTRAINT coordinator_messages_groups_check
    CHECK (cardinality(groups) > 0 AND groups <@ ARRAY['confirmed', 'waitlisted', 'trainers']::text[])`);
  await knex.raw('ALTER TABLE coordinator_messages ADD CONSTRAINT coordinator_messages_lengths_check CHECK (length(subject) <= 200 AND length(body) <= 10000)');
  await knex.raw('CREATE INDEX coordinator_messages_unexpanded_idx ON coordinator_messages (id) WHERE expanded_at IS NULL');

  await knex.schema.createTable('coordinator_message_recipients', (table) => {
    table.integer('message_id').notNullable().references('coordinator_messages.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.bigInteger('message_log_id').references('message_log.id').onDelete('SET NULL');
    table.timestamp('queued_at', { useTz: true });
    table.primary(['message_id', 'user_id']);
    table.index(['user_id']);
  });
  await knex.raw('CREATE INDEX coordinator_message_recipients_pending_idx ON coordinator_message_recipients (message_id) WHERE queued_at IS NULL');

  await knex.raw(`CREATE VIEW mail_message_states AS
    SELECT id AS message_log_id, user_id, kind, subject, queued_at, sent_at, failed_at,
           CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'queued' END AS state
      FROM message_log`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS mail_message_states');
  await knex.schema.dropTableIfExists('coordinator_message_recipients');
  await knex.schema.dropTableIfExists('coordinator_messages');
  await knex.schema.dropTableIfExists('reminder_claims');
  await knex.schema.dropTableIfExists('message_log');
}
