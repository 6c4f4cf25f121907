import type { Knex } from 'knex';

/**
 * Organisations merged into another (accounts domain): the duplicate's row is deleted, this
 * remembers its id and name, so an old link to it leads to the organisation kept and a list
 * that still spells it the old way ("Bergheide, Stadt") is matched to the kept one. A merge
 * of the kept organisation later moves these rows along; they go when the kept one goes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisation_merges', (table) => {
    table.integer('merged_id').primary();
    table.string('merged_name', 200).notNullable();
    table.integer('kept_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.timestamp('merged_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['kept_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('organisation_merges');
}
