import type { Knex } from 'knex';

/**
 * Attendance per session and person, excuses, self check-in windows and uploaded
 * signed sign-in sheets. Changes to attendance are also written to the audit trail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('attendance_records', (table) => {
    table.integer('session_id').notNullable().references('offering_sessions.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('RESTRICT');
    table.text('status').notNullable();
    table.text('source').notNullable();
    table.integer('recorded_by');
    table.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['session_id', 'user_id']);
    table.index(['user_id']);
  });
  await knex.raw(`ALTER TABLE attendance_records
    ADD CONSTRAINT attendance_records_status_check CHECK (status IN ('present', 'late', 'excused', 'absent')),
    ADD CONSTRAINT attendance_records_source_check CHECK (source IN ('roll_call', 'check_in', 'excuse'))`);

  await knex.schema.createTable('excuses', (table) => {
    table.increments('id');
    table.integer('session_id').notNullable().references('offering_sessions.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('RESTRICT');
    table.text('reason').notNullable();
    table.text('status').notNullable().defaultTo('submitted');
    table.timestamp('submitted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('decided_by');
    table.timestamp('decided_at', { useTz: true });
    table.index(['session_id']);
    table.index(['user_id']);
  });
  await knex.raw(`ALTER TABLE excuses ADD CONSTRAINT excuses_status_check CHECK (status IN ('submitted', 'accepted', 'declined'))`);
  // One open excuse per person and session at a time.
  await knex.raw(`CREATE UNIQUE INDEX excuses_one_open ON excuses (session_id, user_id) WHERE status = 'submitted'`);

  await knex.schema.createTable('check_in_windows', (table) => {
    table.integer('session_id').primary().references('offering_sessions.id').onDelete('CASCADE');
    table.text('nonce').notNullable();
    table.integer('opened_by').notNullable();
    table.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('closed_at', { useTz: true });
  });

  await knex.schema.createTable('signed_sheets', (table) => {
    table.increments('id');
    table.integer('session_id').notNullable().references('offering_sessions.id').onDelete('CASCADE');
    table.text('storage_key').notNullable().unique();
    table.text('original_name').notNullable();
    table.text('content_type').notNullable();
    table.bigInteger('size_bytes').notNullable();
    table.text('sha256').notNullable();
    table.integer('uploaded_by').notNullable();
    table.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['session_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('signed_sheets');
  await knex.schema.dropTableIfExists('check_in_windows');
  await knex.schema.dropTableIfExists('excuses');
  await knex.schema.dropTableIfExists('attendance_records');
}
