import type { Knex } from 'knex';

/**
 * Foundation: organisations, accounts, sessions, password resets, rate-limit
 * counters and the append-only audit trail. Self-contained: no app imports.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisations', (table) => {
    table.increments('id');
    table.text('name').notNullable();
    table.text('kind').notNullable().defaultTo('municipality');
    table.boolean('active').notNullable().defaultTo(true);
    table.timestamps(true, true);
  });
  await knex.raw(`ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('district_office', 'municipality', 'public_body', 'association', 'other'))`);
  await knex.raw('CREATE UNIQUE INDEX organisations_name_unique ON organisations (lower(name))');

  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.text('email').notNullable();
    table.text('first_name').notNullable();
    table.text('last_name').notNullable();
    table.integer('organisation_id').references('organisations.id').onDelete('RESTRICT');
    table.text('department');
    table.text('role').notNullable().defaultTo('participant');
    table.text('password_hash').notNullable();
    table.boolean('active').notNullable().defaultTo(true);
    table.text('locale').notNullable().defaultTo('de');
    table.timestamp('email_verified_at', { useTz: true });
    table.timestamp('last_login_at', { useTz: true });
    table.timestamps(true, true);
    table.index(['organisation_id']);
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('participant', 'trainer', 'coordinator', 'admin'))`);
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_locale_check CHECK (locale IN ('de', 'en'))`);
  // E-mail addresses are unique regardless of case.
  await knex.raw('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');

  // Schema expected by connect-pg-simple.
  await knex.schema.createTable('http_sessions', (table) => {
    table.string('sid').primary();
    table.json('sess').notNullable();
    table.timestamp('expire', { precision: 6, useTz: false }).notNullable().index();
  });

  // Single-use secrets sent by e-mail: address verification, password reset, invitation.
  await knex.schema.createTable('account_tokens', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.text('purpose').notNullable();
    table.text('token_hash').notNullable().unique();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.timestamp('used_at', { useTz: true });
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['user_id', 'purpose']);
  });
  await knex.raw(`ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('email_verification', 'password_reset', 'invitation'))`);

  // Schema expected by rate-limiter-flexible's PostgreSQL store.
  await knex.schema.createTable('rate_limits', (table) => {
    table.string('key', 255).primary();
    table.integer('points').notNullable().defaultTo(0);
    table.bigInteger('expire');
  });

  await knex.schema.createTable('audit_events', (table) => {
    table.bigIncrements('id');
    table.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // No foreign key: the trail must outlive (and not block) deleting or anonymising users.
    table.integer('actor_user_id');
    table.text('action').notNullable();
    table.text('subject_type');
    table.text('subject_id');
    table.jsonb('before');
    table.jsonb('after');
    table.text('ip');
    table.text('request_id');
    table.index(['subject_type', 'subject_id']);
    table.index(['actor_user_id']);
    table.index(['occurred_at']);
  });
  await knex.raw(`
    CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only';
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(`
    CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS audit_events_no_update_or_delete ON audit_events');
  await knex.raw('DROP FUNCTION IF EXISTS audit_events_append_only()');
  await knex.schema.dropTableIfExists('audit_events');
  await knex.schema.dropTableIfExists('rate_limits');
  await knex.schema.dropTableIfExists('account_tokens');
  await knex.schema.dropTableIfExists('http_sessions');
  await knex.schema.dropTableIfExists('users');
  await knex.schema.dropTableIfExists('organisations');
}
