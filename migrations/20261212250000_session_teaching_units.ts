import type { Knex } from 'knex';

/**
 * Teaching units (UE) of a session of its own. Workshops and Fachtage have no modules, so their
 * sessions counted 0 UE in the funder report and the training record, although the funder pays
 * by UE. A session's own units win; a session without them keeps its module's.
 *
 * `catalog_session_schedule` (published by the catalog, migration 20261212140000) keeps its
 * columns and their order, so its readers need no change; only `teaching_units` is now
 * `coalesce(s.teaching_units, m.teaching_units, 0)`.
 */
const SCHEDULE_COLUMNS = `SELECT s.id AS session_id, s.offering_id, o.title AS offering_title, o.status AS offering_status,
           o.programme_id, p.title AS programme_title, p.kind AS programme_kind,
           s.module_id, m.position AS module_position, m.title AS module_title,`;
const SCHEDULE_REST = `
           s.starts_at, s.ends_at, coalesce(nullif(s.location, ''), o.location) AS location
      FROM offering_sessions s
      JOIN offerings o ON o.id = s.offering_id
      JOIN programmes p ON p.id = o.programme_id
      LEFT JOIN modules m ON m.id = s.module_id`;

export async function up(knex: Knex): Promise<void> {
  // 40 UE of 45 minutes is a full working week: more in one session is a typing error.
  await knex.raw(`ALTER TABLE offering_sessions ADD COLUMN teaching_units integer NULL,
    ADD CONSTRAINT offering_sessions_teaching_units_check CHECK (teaching_units >= 0 AND teaching_units <= 40)`);
  await knex.raw(`CREATE OR REPLACE VIEW catalog_session_schedule AS
    ${SCHEDULE_COLUMNS}
           coalesce(s.teaching_units, m.teaching_units, 0) AS teaching_units,${SCHEDULE_REST}`);
}

export async function down(knex: Knex): Promise<void> {
  // The definition of migration 20261212140000, before the column it no longer reads is dropped.
  await knex.raw(`CREATE OR REPLACE VIEW catalog_session_schedule AS
    ${SCHEDULE_COLUMNS}
           coalesce(m.teaching_units, 0) AS teaching_units,${SCHEDULE_REST}`);
  await knex.raw('ALTER TABLE offering_sessions DROP CONSTRAINT IF EXISTS offering_sessions_teaching_units_check, DROP COLUMN IF EXISTS teaching_units');
}
