import type { Knex } from 'knex';

/**
 * The reports domain's cache of the coordinator's most expensive figures (completions and who
 * is at risk, computed by the attendance rules for every seat of a year): one row per year and
 * programme, shared by every app instance. Each computation replaces its scope's row, so the
 * table never holds more than years × (programmes + 1) rows and needs no clean-up job. It holds
 * no names: the people at risk are ids, named at render through accounts_people, so an
 * anonymised person shows as such at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_completion_snapshots', (table) => {
    table.text('scope').primary(); // `${year}:${programmeId ?? 'all'}`
    table.integer('year').notNullable();
    table.integer('programme_id').nullable();
    table.timestamp('computed_at', { useTz: true }).notNullable();
    table.integer('completions').notNullable();
    table.jsonb('at_risk').notNullable(); // [{ userId, offeringTitle, missingModules[] }], the first ones shown, in name order
    table.integer('at_risk_count').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('report_completion_snapshots');
}
