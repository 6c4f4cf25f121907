import type { Knex } from 'knex';

/**
 * Read models for the audit viewer's programme scope (`src/audit/`): a coordinator sees the
 * entries whose subject belongs to a programme, and everybody can narrow the trail to one
 * offering. The audit domain resolves "subject → offering → programme" in one SQL statement
 * per page through these views (and `catalog_session_schedule`, `catalog_offering_capacity`,
 * `enrollment_statuses`), never through another domain's tables. Each view belongs to the
 * domain that owns its table and is published by it:
 *
 * - `catalog_offering_titles` (catalog): every offering (also drafts and cancelled ones) with
 *   its programme and title, what the offering filter searches.
 * - `catalog_module_programmes` (catalog): which programme a module belongs to.
 * - `attendance_excuse_sessions` (attendance): the session an excuse is for (no reason, no person).
 * - `attendance_signed_sheet_sessions` (attendance): the session a signed sheet proves.
 * - `materials_placements` (materials): the module or session a material hangs on (deleted ones too).
 * - `certificates_offerings` (certificates): every certificate, revoked and superseded ones
 *   too, with its offering and programme (`certificates_issued` holds only the valid ones).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW catalog_offering_titles AS
    SELECT id AS offering_id, programme_id, title FROM offerings`);
  await knex.raw(`CREATE VIEW catalog_module_programmes AS
    SELECT id AS module_id, programme_id FROM modules`);
  await knex.raw(`CREATE VIEW attendance_excuse_sessions AS
    SELECT id AS excuse_id, session_id FROM excuses`);
  await knex.raw(`CREATE VIEW attendance_signed_sheet_sessions AS
    SELECT id AS signed_sheet_id, session_id FROM signed_sheets`);
  await knex.raw(`CREATE VIEW materials_placements AS
    SELECT id AS material_id, module_id, session_id FROM materials`);
  await knex.raw(`CREATE VIEW certificates_offerings AS
    SELECT id AS certificate_id, offering_id, programme_id FROM certificates`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS certificates_offerings');
  await knex.raw('DROP VIEW IF EXISTS materials_placements');
  await knex.raw('DROP VIEW IF EXISTS attendance_signed_sheet_sessions');
  await knex.raw('DROP VIEW IF EXISTS attendance_excuse_sessions');
  await knex.raw('DROP VIEW IF EXISTS catalog_module_programmes');
  await knex.raw('DROP VIEW IF EXISTS catalog_offering_titles');
}
