import type { Knex } from 'knex';

/**
 * Read model for the personal training record (`src/reports/training-record.*`), published
 * by the certificates domain, which owns the table:
 *
 * - `certificates_verifiable` (certificates): a person's valid certificates (revoked and
 *   superseded ones no longer vouch for anything) with their serial, the titles printed on
 *   them and their verification link. Titles and link are read from the snapshot the
 *   certificate was issued with, so the record names exactly what the certificate and its
 *   public verification page say, and the link's format stays the certificates domain's.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW certificates_verifiable AS
    SELECT id AS certificate_id, user_id, serial, kind, issued_at,
           snapshot->'template'->>'title' AS title,
           snapshot->>'programmeTitle' AS programme_title,
           snapshot->>'offeringTitle' AS offering_title,
           snapshot->>'verificationUrl' AS verification_url
      FROM certificates
     WHERE status = 'valid'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS certificates_verifiable');
}
