import type { Knex } from 'knex';

/**
 * Participant lists as the funding offices require them since the 2025 period (issue 12).
 *
 * - `programmes.funder_project_title`: the project title exactly as the funding approval
 *   (Zuwendungsbescheid) names it, printed in the list's header. Empty means "not given":
 *   the list falls back to the programme's title and the coordinator's page says so.
 * - `offerings.sign_in_sheet_mode`: `shared` is one list per day for everybody;
 *   `per_person` prints one sheet per person, for events where being seen on a list can
 *   itself put people at risk (the extremism workshops), which the funder accepts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE programmes ADD COLUMN funder_project_title text NOT NULL DEFAULT ''");
  await knex.raw(`ALTER TABLE offerings ADD COLUMN sign_in_sheet_mode text NOT NULL DEFAULT 'shared',
    ADD CONSTRAINT offerings_sign_in_sheet_mode_check CHECK (sign_in_sheet_mode IN ('shared', 'per_person'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE offerings DROP CONSTRAINT IF EXISTS offerings_sign_in_sheet_mode_check, DROP COLUMN IF EXISTS sign_in_sheet_mode');
  await knex.raw('ALTER TABLE programmes DROP COLUMN IF EXISTS funder_project_title');
}
