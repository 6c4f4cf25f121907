import type { Knex } from 'knex';

/**
 * Course materials. A material belongs to a module (seen in every cohort of the series)
 * or to one session; its files are versions, the highest number being the current one.
 * Files live in the storage under random keys; rows keep what the client sent only as
 * `original_name`. Deleting hides a material (deleted_at), the versions stay.
 * material_visits remembers when a person last looked at an offering's materials, for
 * the "new" mark.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('materials', (table) => {
    table.increments('id');
    table.integer('module_id').references('modules.id').onDelete('RESTRICT');
    // Like attendance, a session's materials go with it; their files become orphans that
    // the cleanup job removes.
    table.integer('session_id').references('offering_sessions.id').onDelete('CASCADE');
    table.text('title').notNullable();
    table.text('description').notNullable().defaultTo('');
    table.text('visibility').notNullable();
    table.integer('created_by').notNullable().references('users.id').onDelete('RESTRICT');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('deleted_at', { useTz: true });
    table.integer('deleted_by').references('users.id').onDelete('RESTRICT');
  });
  await knex.raw(`ALTER TABLE materials
    ADD CONSTRAINT materials_one_target_check CHECK (num_nonnulls(module_id, session_id) = 1),
    ADD CONSTRAINT materials_visibility_check CHECK (visibility IN ('enrolled', 'trainers', 'public')),
    ADD CONSTRAINT materials_title_check CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    ADD CONSTRAINT materials_description_check CHECK (length(description) <= 2000),
    ADD CONSTRAINT materials_deleted_check CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))`);
  // Lists only ever show materials that are not deleted.
  await knex.raw('CREATE INDEX materials_module_live ON materials (module_id) WHERE deleted_at IS NULL AND module_id IS NOT NULL');
  await knex.raw('CREATE INDEX materials_session_live ON materials (session_id) WHERE deleted_at IS NULL AND session_id IS NOT NULL');

  await knex.schema.createTable('material_versions', (table) => {
    table.increments('id');
    table.integer('material_id').notNullable().references('materials.id').onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('storage_key').notNullable();
    table.text('original_name').notNullable();
    table.bigInteger('size_bytes').notNullable();
    table.text('sha256').notNullable();
    table.text('content_type').notNullable();
    table.text('file_kind').notNullable();
    table.integer('uploaded_by').notNullable().references('users.id').onDelete('RESTRICT');
    table.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.unique(['material_id', 'version']);
    table.unique(['storage_key']);
  });
  await knex.raw(`ALTER TABLE material_versions
    ADD CONSTRAINT material_versions_version_check CHECK (version >= 1),
    ADD CONSTRAINT material_versions_storage_key_check CHECK (storage_key ~ '^[0-9a-f]{32}$'),
    ADD CONSTRAINT material_versions_original_name_check CHECK (length(original_name) BETWEEN 1 AND 255),
    ADD CONSTRAINT material_versions_size_check CHECK (size_bytes > 0),
    ADD CONSTRAINT material_versions_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$')`);

  await knex.schema.createTable('material_visits', (table) => {
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('CASCADE');
    table.timestamp('visited_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['user_id', 'offering_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('material_visits');
  await knex.schema.dropTableIfExists('material_versions');
  await knex.schema.dropTableIfExists('materials');
}
