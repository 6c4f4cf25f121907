import type { Knex } from 'knex';

/**
 * Catalog (programmes → modules, offerings → sessions with trainers) and enrollments.
 * Invariants live here: no second active enrollment of a person in an offering, and never
 * more confirmed enrollments than seats (checked by trigger; the service also serialises
 * enrollments per offering with a row lock, so the trigger is the last line of defence).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('programmes', (table) => {
    table.increments('id');
    table.text('kind').notNullable();
    table.text('title').notNullable();
    table.text('description').notNullable().defaultTo('');
    table.text('target_group').notNullable().defaultTo('');
    table.text('certificate_kind').notNullable();
    table.text('completion_rule').notNullable().defaultTo('all');
    table.integer('completion_min_modules');
    table.boolean('active').notNullable().defaultTo(true);
    table.timestamps(true, true);
  });
  await knex.raw(`ALTER TABLE programmes
    ADD CONSTRAINT programmes_kind_check CHECK (kind IN ('series', 'workshop', 'event')),
    ADD CONSTRAINT programmes_certificate_kind_check CHECK (certificate_kind IN ('certificate', 'confirmation')),
    ADD CONSTRAINT programmes_completion_rule_check CHECK (
      (completion_rule = 'all' AND completion_min_modules IS NULL)
      OR (completion_rule = 'min' AND completion_min_modules >= 1))`);

  await knex.schema.createTable('modules', (table) => {
    table.increments('id');
    table.integer('programme_id').notNullable().references('programmes.id').onDelete('CASCADE');
    table.integer('position').notNullable();
    table.text('title').notNullable();
    table.text('description').notNullable().defaultTo('');
    table.integer('teaching_units').notNullable().defaultTo(0);
    table.timestamps(true, true);
    table.unique(['programme_id', 'position']);
  });
  await knex.raw('ALTER TABLE modules ADD CONSTRAINT modules_position_check CHECK (position >= 1), ADD CONSTRAINT modules_units_check CHECK (teaching_units >= 0)');

  await knex.schema.createTable('offerings', (table) => {
    table.increments('id');
    table.integer('programme_id').notNullable().references('programmes.id').onDelete('RESTRICT');
    table.text('title').notNullable();
    table.text('description').notNullable().defaultTo('');
    table.integer('capacity').notNullable();
    table.timestamp('registration_opens_at', { useTz: true }).notNullable();
    table.timestamp('registration_closes_at', { useTz: true }).notNullable();
    table.timestamp('cancellation_deadline', { useTz: true });
    table.text('location').notNullable().defaultTo('');
    table.boolean('requires_approval').notNullable().defaultTo(false);
    table.text('status').notNullable().defaultTo('draft');
    table.timestamps(true, true);
    table.index(['programme_id']);
    table.index(['status']);
  });
  await knex.raw(`ALTER TABLE offerings
    ADD CONSTRAINT offerings_capacity_check CHECK (capacity >= 1),
    ADD CONSTRAINT offerings_status_check CHECK (status IN ('draft', 'published', 'cancelled')),
    ADD CONSTRAINT offerings_registration_window_check CHECK (registration_closes_at > registration_opens_at)`);

  await knex.schema.createTable('offering_sessions', (table) => {
    table.increments('id');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('CASCADE');
    table.integer('module_id').references('modules.id').onDelete('RESTRICT');
    table.timestamp('starts_at', { useTz: true }).notNullable();
    table.timestamp('ends_at', { useTz: true }).notNullable();
    table.text('location').notNullable().defaultTo('');
    table.text('online_url');
    table.timestamps(true, true);
    table.index(['offering_id', 'starts_at']);
    table.index(['starts_at']);
    table.index(['module_id']);
  });
  await knex.raw('ALTER TABLE offering_sessions ADD CONSTRAINT offering_sessions_time_check CHECK (ends_at > starts_at)');

  await knex.schema.createTable('session_trainers', (table) => {
    table.integer('session_id').notNullable().references('offering_sessions.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('RESTRICT');
    table.primary(['session_id', 'user_id']);
    table.index(['user_id']);
  });

  await knex.schema.createTable('enrollments', (table) => {
    table.increments('id');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('RESTRICT');
    table.integer('user_id').notNullable().references('users.id').onDelete('RESTRICT');
    table.text('status').notNullable();
    table.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('confirmed_at', { useTz: true });
    table.timestamp('cancelled_at', { useTz: true });
    table.integer('decided_by');
    table.text('note');
    table.timestamps(true, true);
    table.index(['user_id']);
    table.index(['offering_id', 'status', 'id']);
  });
  await knex.raw(`ALTER TABLE enrollments ADD CONSTRAINT enrollments_status_check
    CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected'))`);
  // One active enrollment per person and offering; cancelled or rejected ones may be renewed.
  await knex.raw(`CREATE UNIQUE INDEX enrollments_one_active_per_person
    ON enrollments (offering_id, user_id) WHERE status IN ('pending', 'confirmed', 'waitlisted')`);

  await knex.raw(`
    CREATE FUNCTION enrollments_within_capacity() RETURNS trigger AS $$
    DECLARE
      seats integer;
      taken integer;
    BEGIN
      IF NEW.status <> 'confirmed' THEN
        RETURN NEW;
      END IF;
      SELECT capacity INTO seats FROM offerings WHERE id = NEW.offering_id;
      SELECT count(*) INTO taken FROM enrollments
        WHERE offering_id = NEW.offering_id AND status = 'confirmed' AND id <> NEW.id;
      IF taken + 1 > seats THEN
        RAISE EXCEPTION 'offering % is full', NEW.offering_id USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_capacity';
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(`CREATE TRIGGER enrollments_capacity BEFORE INSERT OR UPDATE OF status, offering_id ON enrollments
    FOR EACH ROW EXECUTE FUNCTION enrollments_within_capacity()`);
  await knex.raw(`
    CREATE FUNCTION offerings_capacity_covers_confirmed() RETURNS trigger AS $$
    BEGIN
      IF NEW.capacity < (SELECT count(*) FROM enrollments WHERE offering_id = NEW.id AND status = 'confirmed') THEN
        RAISE EXCEPTION 'capacity below confirmed enrollments' USING ERRCODE = 'check_violation', CONSTRAINT = 'offerings_capacity_covers_confirmed';
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(`CREATE TRIGGER offerings_capacity_covers_confirmed BEFORE UPDATE OF capacity ON offerings
    FOR EACH ROW EXECUTE FUNCTION offerings_capacity_covers_confirmed()`);

  // Personal calendar feed: a secret, revocable token per person (only its hash is stored).
  await knex.schema.createTable('calendar_feeds', (table) => {
    table.integer('user_id').primary().references('users.id').onDelete('CASCADE');
    table.text('token_hash').notNullable().unique();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // A reminder goes out once per person and session, whichever app instance runs the job.
  await knex.schema.createTable('session_reminders', (table) => {
    table.integer('session_id').notNullable().references('offering_sessions.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['session_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('session_reminders');
  await knex.schema.dropTableIfExists('calendar_feeds');
  await knex.raw('DROP TRIGGER IF EXISTS offerings_capacity_covers_confirmed ON offerings');
  await knex.raw('DROP FUNCTION IF EXISTS offerings_capacity_covers_confirmed()');
  await knex.raw('DROP TRIGGER IF EXISTS enrollments_capacity ON enrollments');
  await knex.raw('DROP FUNCTION IF EXISTS enrollments_within_capacity()');
  await knex.schema.dropTableIfExists('enrollments');
  await knex.schema.dropTableIfExists('session_trainers');
  await knex.schema.dropTableIfExists('offering_sessions');
  await knex.schema.dropTableIfExists('offerings');
  await knex.schema.dropTableIfExists('modules');
  await knex.schema.dropTableIfExists('programmes');
}
