import type { Knex } from 'knex';

/**
 * Read models for the coordinator's start page and the cross-offering person view
 * (`src/reports/`), each published by the domain that owns its table, so the reports
 * never read another domain's tables:
 *
 * - `enrollment_statuses` (enrollment): every enrollment with its status, for counts per
 *   status (confirmed and waitlisted alone are `confirmed_seats` and `waitlist_positions`).
 * - `certificates_issued` (certificates): the valid certificates (revoked and superseded
 *   ones are no longer issued) with their programme, offering and day of issue.
 * - `catalog_offering_capacity` (catalog): an offering's capacity, for free seats.
 * - `accounts_directory` (accounts): a person's name, e-mail, role and organisation, what
 *   a coordinator searches by; `search_text` is the expression the trigram index
 *   `users_search_trigrams` covers, so a search through the view can use it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW enrollment_statuses AS
    SELECT id AS enrollment_id, offering_id, user_id, status FROM enrollments`);
  await knex.raw(`CREATE VIEW certificates_issued AS
    SELECT id AS certificate_id, user_id, programme_id, offering_id, kind, issued_at
      FROM certificates
     WHERE status = 'valid'`);
  await knex.raw(`CREATE VIEW catalog_offering_capacity AS
    SELECT id AS offering_id, programme_id, status, capacity FROM offerings`);
  await knex.raw(`CREATE VIEW accounts_directory AS
    SELECT u.id AS user_id, u.first_name, u.last_name, u.email, u.role, u.active,
           u.organisation_id, org.name AS organisation_name,
           (u.email || ' ' || u.first_name || ' ' || u.last_name) AS search_text
      FROM users u
      LEFT JOIN organisations org ON org.id = u.organisation_id`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS accounts_directory');
  await knex.raw('DROP VIEW IF EXISTS catalog_offering_capacity');
  await knex.raw('DROP VIEW IF EXISTS certificates_issued');
  await knex.raw('DROP VIEW IF EXISTS enrollment_statuses');
}
