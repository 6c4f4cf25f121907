import type { Knex } from 'knex';

/**
 * Read models the enrollment domain publishes, so the rules "has a confirmed seat" and
 * "place on the waitlist" are written once, here, and other domains (attendance,
 * materials, certificates, reports) read them instead of restating them on the table.
 * The waitlist is numbered per offering in the order seats were asked for.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW confirmed_seats AS
    SELECT id AS enrollment_id, offering_id, user_id, confirmed_at
      FROM enrollments
     WHERE status = 'confirmed'`);
  await knex.raw(`CREATE VIEW waitlist_positions AS
    SELECT id AS enrollment_id, offering_id, user_id,
           row_number() OVER (PARTITION BY offering_id ORDER BY requested_at, id)::int AS position
      FROM enrollments
     WHERE status = 'waitlisted'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS waitlist_positions');
  await knex.raw('DROP VIEW IF EXISTS confirmed_seats');
}
