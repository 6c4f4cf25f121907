import type { Knex } from 'knex';

/**
 * Evaluation: questionnaires (versioned, so answers given to one version stay comparable),
 * which questionnaire a programme or an offering uses, the evaluations that open when a
 * session, module or offering ends, and the answers.
 *
 * Anonymity is designed into the tables: `evaluation_responses` has no column that leads to
 * a person (no user, no enrollment, no time of day, no serial number: a random uuid and a
 * date). Whether someone has answered lives apart, in `evaluation_participants`, as a yes/no
 * per person and evaluation, written in a transaction of its own, and those rows are deleted
 * when the evaluation closes (only the counts stay on `evaluations`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('questionnaires', (table) => {
    table.increments('id');
    table.text('title').notNullable();
    table.integer('created_by').references('users.id').onDelete('SET NULL');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('archived_at', { useTz: true });
  });
  await knex.schema.createTable('questionnaire_versions', (table) => {
    table.increments('id');
    table.integer('questionnaire_id').notNullable().references('questionnaires.id').onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('title').notNullable();
    table.text('introduction').notNullable().defaultTo('');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Set when the first evaluation opens with this version: from then on it is never changed, an edit makes a new version.
    table.timestamp('in_use_since', { useTz: true });
    table.unique(['questionnaire_id', 'version']);
  });
  await knex.schema.createTable('questionnaire_items', (table) => {
    table.increments('id');
    table.integer('version_id').notNullable().references('questionnaire_versions.id').onDelete('CASCADE');
    table.integer('position').notNullable();
    table.text('kind').notNullable();
    table.text('prompt').notNullable();
    table.boolean('required').notNullable().defaultTo(false);
    table.text('scale_low_label');
    table.text('scale_high_label');
    // Choices of a single or multiple choice item, in the order shown; answers store their index.
    table.specificType('options', 'text[]').notNullable().defaultTo('{}');
    // The same question in several versions keeps its key, so results compare across versions.
    table.uuid('item_key').notNullable().defaultTo(knex.raw('gen_random_uuid()'));
    table.unique(['version_id', 'position']);
  });
  await knex.raw(`ALTER TABLE questionnaire_items ADD CONSTRAINT questionnaire_items_kind_check CHECK (kind IN ('scale', 'single', 'multiple', 'text'))`);
  await knex.raw(
    `ALTER TABLE questionnaire_items ADD CONSTRAINT questionnaire_items_options_check
       CHECK ((kind IN ('single', 'multiple')) = (cardinality(options) >= 2) OR (kind IN ('scale', 'text') AND cardinality(options) = 0))`,
  );

  // A programme's default questionnaire, and an offering's own choice that overrides it.
  await knex.schema.createTable('evaluation_assignments', (table) => {
    table.increments('id');
    table.integer('programme_id').references('programmes.id').onDelete('CASCADE');
    table.integer('offering_id').references('offerings.id').onDelete('CASCADE');
    // NULL on an offering: this offering is not evaluated although its programme is.
    table.integer('questionnaire_id').references('questionnaires.id').onDelete('RESTRICT');
    table.text('scope').notNullable();
    table.integer('answer_days').notNullable().defaultTo(14);
  });
  await knex.raw(`ALTER TABLE evaluation_assignments ADD CONSTRAINT evaluation_assignments_target_check CHECK ((programme_id IS NULL) <> (offering_id IS NULL))`);
  await knex.raw(`ALTER TABLE evaluation_assignments ADD CONSTRAINT evaluation_assignments_scope_check CHECK (scope IN ('session', 'module', 'offering'))`);
  await knex.raw(`ALTER TABLE evaluation_assignments ADD CONSTRAINT evaluation_assignments_days_check CHECK (answer_days BETWEEN 1 AND 90)`);
  await knex.raw(`ALTER TABLE evaluation_assignments ADD CONSTRAINT evaluation_assignments_programme_questionnaire_check CHECK (programme_id IS NULL OR questionnaire_id IS NOT NULL)`);
  await knex.raw('CREATE UNIQUE INDEX evaluation_assignments_programme_unique ON evaluation_assignments (programme_id) WHERE programme_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX evaluation_assignments_offering_unique ON evaluation_assignments (offering_id) WHERE offering_id IS NOT NULL');

  // One evaluation per session, per module of an offering, or per offering, opened when it ends.
  await knex.schema.createTable('evaluations', (table) => {
    table.increments('id');
    table.integer('version_id').notNullable().references('questionnaire_versions.id').onDelete('RESTRICT');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('CASCADE');
    table.text('scope').notNullable();
    table.integer('session_id').references('offering_sessions.id').onDelete('CASCADE');
    table.integer('module_id').references('modules.id').onDelete('CASCADE');
    table.timestamp('opens_at', { useTz: true }).notNullable();
    table.timestamp('closes_at', { useTz: true }).notNullable();
    table.timestamp('reminded_at', { useTz: true });
    // Set by the closing run; from then on the counts below are final and the participants are gone.
    table.timestamp('closed_at', { useTz: true });
    table.integer('invited_count').notNullable().defaultTo(0);
    table.integer('answered_count').notNullable().defaultTo(0);
  });
  await knex.raw(`ALTER TABLE evaluations ADD CONSTRAINT evaluations_scope_check CHECK (
    (scope = 'session' AND session_id IS NOT NULL AND module_id IS NULL) OR
    (scope = 'module' AND session_id IS NULL AND module_id IS NOT NULL) OR
    (scope = 'offering' AND session_id IS NULL AND module_id IS NULL))`);
  await knex.raw('ALTER TABLE evaluations ADD CONSTRAINT evaluations_period_check CHECK (closes_at > opens_at)');
  await knex.raw('ALTER TABLE evaluations ADD CONSTRAINT evaluations_counts_check CHECK (answered_count BETWEEN 0 AND invited_count)');
  await knex.raw('CREATE UNIQUE INDEX evaluations_subject_unique ON evaluations (offering_id, scope, coalesce(session_id, 0), coalesce(module_id, 0))');
  await knex.raw('CREATE INDEX evaluations_open_idx ON evaluations (closes_at) WHERE closed_at IS NULL');

  // Who may answer and whether they have: a yes/no, no time, deleted when the evaluation closes.
  await knex.schema.createTable('evaluation_participants', (table) => {
    table.integer('evaluation_id').notNullable().references('evaluations.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.boolean('has_answered').notNullable().defaultTo(false);
    table.primary(['evaluation_id', 'user_id']);
  });
  await knex.raw('CREATE INDEX evaluation_participants_user_idx ON evaluation_participants (user_id) WHERE NOT has_answered');

  // The answers: nothing here leads to a person (see above).
  await knex.schema.createTable('evaluation_responses', (table) => {
    table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    table.integer('evaluation_id').notNullable().references('evaluations.id').onDelete('CASCADE');
    table.date('submitted_on').notNullable();
    // {"<item id>": 1..5 | option index | [option indexes] | "free text"}
    table.jsonb('answers').notNullable();
  });
  await knex.raw('CREATE INDEX evaluation_responses_evaluation_idx ON evaluation_responses (evaluation_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('evaluation_responses');
  await knex.schema.dropTable('evaluation_participants');
  await knex.schema.dropTable('evaluations');
  await knex.schema.dropTable('evaluation_assignments');
  await knex.schema.dropTable('questionnaire_items');
  await knex.schema.dropTable('questionnaire_versions');
  await knex.schema.dropTable('questionnaires');
}
