import type { Knex } from 'knex';

/**
 * Certificates (Zertifikat / Teilnahmebestätigung) and their per-programme templates.
 *
 * A certificate never changes after issue: the PDF is stored with its SHA-256 together
 * with the data printed on it (snapshot). Only its status moves on (valid → revoked, or
 * valid → superseded by a correction). Serial numbers come from a counter row per year
 * that the issuing transaction locks, so they have neither gaps nor duplicates (a
 * sequence would leave gaps on rollback).
 */
export async function up(knex: Knex): Promise<void> {
  // Uploaded logos and signature images. Append-only: a template points at the images it
  // uses now, and issued certificates' snapshots keep pointing at the ones they used.
  await knex.schema.createTable('certificate_images', (table) => {
    table.increments('id');
    table.integer('programme_id').notNullable().references('programmes.id').onDelete('CASCADE');
    table.text('content_type').notNullable();
    table.binary('bytes').notNullable();
    table.text('sha256').notNullable();
    table.integer('uploaded_by');
    table.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['programme_id']);
  });
  await knex.raw(`ALTER TABLE certificate_images
    ADD CONSTRAINT certificate_images_type_check CHECK (content_type IN ('image/png', 'image/jpeg')),
    ADD CONSTRAINT certificate_images_size_check CHECK (octet_length(bytes) BETWEEN 1 AND 2097152)`);

  await knex.schema.createTable('certificate_templates', (table) => {
    table.integer('programme_id').primary().references('programmes.id').onDelete('CASCADE');
    table.text('title').notNullable();
    table.text('body').notNullable();
    table.text('funding_line').notNullable().defaultTo('');
    // [{ name, function, signatureImageId | null }], at most two
    table.jsonb('signatories').notNullable().defaultTo('[]');
    // [imageId, …], at most two
    table.jsonb('logo_image_ids').notNullable().defaultTo('[]');
    table.integer('updated_by');
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE certificate_templates
    ADD CONSTRAINT certificate_templates_signatories_check CHECK (jsonb_typeof(signatories) = 'array' AND jsonb_array_length(signatories) <= 2),
    ADD CONSTRAINT certificate_templates_logos_check CHECK (jsonb_typeof(logo_image_ids) = 'array' AND jsonb_array_length(logo_image_ids) <= 2)`);

  await knex.schema.createTable('certificate_serial_counters', (table) => {
    table.integer('year').primary();
    table.integer('last_number').notNullable();
  });
  await knex.raw('ALTER TABLE certificate_serial_counters ADD CONSTRAINT certificate_serial_counters_positive CHECK (last_number >= 1)');

  await knex.schema.createTable('certificates', (table) => {
    table.increments('id');
    table.text('serial').notNullable().unique();
    table.integer('serial_year').notNullable();
    table.integer('serial_number').notNullable();
    table.text('verification_code').notNullable().unique();
    table.integer('user_id').notNullable().references('users.id').onDelete('RESTRICT');
    table.integer('programme_id').notNullable().references('programmes.id').onDelete('RESTRICT');
    table.integer('offering_id').notNullable().references('offerings.id').onDelete('RESTRICT');
    // What one valid certificate exists for: the programme for a series (modules may be made
    // up in a later cohort), the offering for a workshop or event.
    table.text('subject_key').notNullable();
    table.text('kind').notNullable();
    table.text('status').notNullable().defaultTo('valid');
    table.jsonb('snapshot').notNullable();
    table.binary('pdf').notNullable();
    table.text('pdf_sha256').notNullable();
    table.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('issued_by');
    table.timestamp('revoked_at', { useTz: true });
    table.integer('revoked_by');
    table.text('revocation_reason');
    table.integer('superseded_by');
    table.timestamp('superseded_at', { useTz: true });
    table.unique(['serial_year', 'serial_number']);
    table.index(['offering_id']);
    table.index(['user_id']);
  });
  await knex.raw(`ALTER TABLE certificates
    ADD CONSTRAINT certificates_kind_check CHECK (kind IN ('certificate', 'confirmation')),
    ADD CONSTRAINT certificates_status_check CHECK (status IN ('valid', 'revoked', 'superseded')),
    ADD CONSTRAINT certificates_serial_number_check CHECK (serial_number >= 1),
    ADD CONSTRAINT certificates_code_check CHECK (verification_code ~ '^[0-9A-HJKMNP-TV-Z]{20}$'),
    ADD CONSTRAINT certificates_sha256_check CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT certificates_revoked_check CHECK ((status = 'revoked') = (revoked_at IS NOT NULL AND revocation_reason IS NOT NULL)),
    ADD CONSTRAINT certificates_superseded_check CHECK ((status = 'superseded') = (superseded_by IS NOT NULL AND superseded_at IS NOT NULL)),
    ADD CONSTRAINT certificates_superseded_by_fkey FOREIGN KEY (superseded_by) REFERENCES certificates (id) DEFERRABLE INITIALLY DEFERRED`);
  // At most one valid certificate per person and subject: issuing is idempotent.
  await knex.raw(`CREATE UNIQUE INDEX certificates_one_valid ON certificates (user_id, subject_key) WHERE status = 'valid'`);

  // The stored bytes and what they were issued with never change; only the status may.
  await knex.raw(`
    CREATE FUNCTION certificates_immutable() RETURNS trigger AS $$
    BEGIN
      IF NEW.serial IS DISTINCT FROM OLD.serial OR NEW.verification_code IS DISTINCT FROM OLD.verification_code
         OR NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
         OR NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.user_id IS DISTINCT FROM OLD.user_id
         OR NEW.issued_at IS DISTINCT FROM OLD.issued_at THEN
        RAISE EXCEPTION 'certificate % is immutable', OLD.id USING ERRCODE = 'check_violation', CONSTRAINT = 'certificates_immutable';
      END IF;
      IF OLD.status <> 'valid' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'certificate % is no longer valid', OLD.id USING ERRCODE = 'check_violation', CONSTRAINT = 'certificates_final_status';
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw('CREATE TRIGGER certificates_immutable BEFORE UPDATE ON certificates FOR EACH ROW EXECUTE FUNCTION certificates_immutable()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS certificates_immutable ON certificates');
  await knex.raw('DROP FUNCTION IF EXISTS certificates_immutable()');
  await knex.schema.dropTableIfExists('certificates');
  await knex.schema.dropTableIfExists('certificate_serial_counters');
  await knex.schema.dropTableIfExists('certificate_templates');
  await knex.schema.dropTableIfExists('certificate_images');
}
