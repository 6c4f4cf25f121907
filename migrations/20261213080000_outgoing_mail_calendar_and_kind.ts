import type { Knex } from 'knex';

/**
 * Mails learn three things: an iTIP calendar part (an invitation, update or cancellation that
 * Outlook and Thunderbird put into the calendar with one click), the person it is for (so a
 * coordinator can see what a person was sent, and erasure finds it), and what kind of message
 * it is (confirmation, reminder, coordinator message …).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outgoing_mails', (table) => {
    table.text('calendar_method');
    table.text('calendar_content');
    table.integer('recipient_user_id').references('users.id').onDelete('SET NULL');
    table.text('kind');
  });
  await knex.raw(
    `ALTER TABLE outgoing_mails ADD CONSTRAINT outgoing_mails_calendar_check
       CHECK ((calendar_method IS NULL) = (calendar_content IS NULL) AND calendar_method IN ('REQUEST', 'CANCEL', 'PUBLISH'))`,
  );
  await knex.raw('CREATE INDEX outgoing_mails_recipient_user_idx ON outgoing_mails (recipient_user_id, created_at) WHERE recipient_user_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX outgoing_mails_recipient_user_idx');
  await knex.raw('ALTER TABLE outgoing_mails DROP CONSTRAINT outgoing_mails_calendar_check');
  await knex.schema.alterTable('outgoing_mails', (table) => {
    table.dropColumn('kind');
    table.dropColumn('recipient_user_id');
    table.dropColumn('calendar_content');
    table.dropColumn('calendar_method');
  });
}
