import type { Knex } from 'knex';

/**
 * Calendar invitations that update themselves (iTIP, RFC 5546): a calendar program replaces
 * an entry it already has when an invitation with the same UID comes with a higher SEQUENCE.
 * So each session counts its relevant changes (time, place, online link, cancellation) in
 * `calendar_sequence`, and an offering remembers when it was cancelled, so the personal
 * feed can still show its sessions, marked cancelled, to the people who held a seat.
 *
 * `catalog_session_schedule` (migration 20261212250000) keeps its columns and their order
 * and gains `online_url` and `calendar_sequence` at the end, for the invitations.
 */
const SCHEDULE = `SELECT s.id AS session_id, s.offering_id, o.title AS offering_title, o.status AS offering_status,
           o.programme_id, p.title AS programme_title, p.kind AS programme_kind,
           s.module_id, m.position AS module_position, m.title AS module_title,
           coalesce(s.teaching_units, m.teaching_units, 0) AS teaching_units,
           s.starts_at, s.ends_at, coalesce(nullif(s.location, ''), o.location) AS location`;
const SCHEDULE_FROM = `
      FROM offering_sessions s
      JOIN offerings o ON o.id = s.offering_id
      JOIN programmes p ON p.id = o.programme_id
      LEFT JOIN modules m ON m.id = s.module_id`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE offering_sessions ADD COLUMN calendar_sequence integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT offering_sessions_calendar_sequence_check CHECK (calendar_sequence >= 0)`);
  await knex.raw('ALTER TABLE offerings ADD COLUMN cancelled_at timestamptz NULL');
  // Offerings cancelled before this migration: their last change was the cancellation.
  await knex.raw(`UPDATE offerings SET cancelled_at = updated_at WHERE status = 'cancelled'`);
  await knex.raw(`CREATE OR REPLACE VIEW catalog_session_schedule AS
    ${SCHEDULE}, s.online_url, s.calendar_sequence${SCHEDULE_FROM}`);
}

export async function down(knex: Knex): Promise<void> {
  // A view cannot lose columns by CREATE OR REPLACE: dropped and created as migration 20261212250000 left it.
  await knex.raw('DROP VIEW catalog_session_schedule');
  await knex.raw(`CREATE VIEW catalog_session_schedule AS
    ${SCHEDULE}${SCHEDULE_FROM}`);
  await knex.raw('ALTER TABLE offerings DROP COLUMN IF EXISTS cancelled_at');
  await knex.raw('ALTER TABLE offering_sessions DROP CONSTRAINT IF EXISTS offering_sessions_calendar_sequence_check, DROP COLUMN IF EXISTS calendar_sequence');
}
