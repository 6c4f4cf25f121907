import type { Knex } from 'knex';

/**
 * Read models for the funder reports (`src/reports/`). Each view belongs to the domain that
 * owns its tables and is published by it, so the reports never read another domain's tables:
 *
 * - `catalog_session_schedule` (catalog): every session with its offering, programme and
 *   module; `teaching_units` are the module's (a session without a module teaches none).
 * - `catalog_session_trainers` (catalog): who teaches which session.
 * - `catalog_programme_outline` (catalog): a programme's kind, completion rule and modules,
 *   what the attendance domain's completion rules (`attendance/completion.ts`) take.
 * - `accounts_people` (accounts): a person's name and organisation.
 * - `attendance_marks` (attendance): the recorded status of a person at a session; which
 *   statuses count as attended stays in `attendance/attendance-rules.ts`, not here.
 *
 * Confirmed participants come from enrollment's `confirmed_seats`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW catalog_session_schedule AS
    SELECT s.id AS session_id, s.offering_id, o.title AS offering_title, o.status AS offering_status,
           o.programme_id, p.title AS programme_title, p.kind AS programme_kind,
           s.module_id, m.position AS module_position, m.title AS module_title,
           coalesce(m.teaching_units, 0) AS teaching_units,
           s.starts_at, s.ends_at, coalesce(nullif(s.location, ''), o.location) AS location
      FROM offering_sessions s
      JOIN offerings o ON o.id = s.offering_id
      JOIN programmes p ON p.id = o.programme_id
      LEFT JOIN modules m ON m.id = s.module_id`);
  await knex.raw(`CREATE VIEW catalog_session_trainers AS
    SELECT session_id, user_id FROM session_trainers`);
  await knex.raw(`CREATE VIEW catalog_programme_outline AS
    SELECT p.id AS programme_id, p.kind, p.title, p.active, p.completion_rule, p.completion_min_modules,
           coalesce((SELECT json_agg(json_build_object('id', m.id, 'position', m.position, 'title', m.title, 'teaching_units', m.teaching_units) ORDER BY m.position)
                       FROM modules m WHERE m.programme_id = p.id), '[]') AS modules
      FROM programmes p`);
  await knex.raw(`CREATE VIEW accounts_people AS
    SELECT u.id AS user_id, u.first_name, u.last_name, u.organisation_id, org.name AS organisation_name
      FROM users u
      LEFT JOIN organisations org ON org.id = u.organisation_id`);
  await knex.raw(`CREATE VIEW attendance_marks AS
    SELECT session_id, user_id, status FROM attendance_records`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS attendance_marks');
  await knex.raw('DROP VIEW IF EXISTS accounts_people');
  await knex.raw('DROP VIEW IF EXISTS catalog_programme_outline');
  await knex.raw('DROP VIEW IF EXISTS catalog_session_trainers');
  await knex.raw('DROP VIEW IF EXISTS catalog_session_schedule');
}
