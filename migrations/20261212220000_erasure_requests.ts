import type { Knex } from 'knex';

/**
 * People's right to erasure (privacy domain, src/privacy/erasure*).
 *
 * - `erasure_requests` (owned by privacy): a person's request for deletion, open until an
 *   admin anonymises the account or, where nothing about the person is under retention,
 *   honoured at once by the app.
 * - `users.anonymised_at` (the column belongs to accounts, like its table): when the person
 *   was anonymised; the row itself stays so enrollments, attendance and certificates keep
 *   counting in the reports.
 * - The audit trail stays append-only: DELETE is always refused, and UPDATE is refused too
 *   except inside an erasure transaction that sets `kokoma.audit_redaction = 'erasure'`
 *   (SET LOCAL, src/audit/erasure.queries.ts), and then only the personal fields (ip, before,
 *   after) may change: who acted, what, on what and when stay as recorded.
 * - Certificates stay immutable (function certificates_immutable, trigger unchanged) with
 *   one exception: an erasure may replace the holder's name in the snapshot and mark it
 *   withheld (`nameWithheld: true`); the stored PDF and its hash never change.
 */
const CERTIFICATES_IMMUTABLE_WITH_WITHHELD_NAME = `
    CREATE OR REPLACE FUNCTION certificates_immutable() RETURNS trigger AS $$
    BEGIN
      IF NEW.serial IS DISTINCT FROM OLD.serial OR NEW.verification_code IS DISTINCT FROM OLD.verification_code
         OR NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
         OR (NEW.snapshot IS DISTINCT FROM OLD.snapshot AND NOT (
               -- The one change allowed to the snapshot: the holder's name withheld after an erasure.
               NEW.snapshot ->> 'nameWithheld' = 'true'
               AND (NEW.snapshot - 'name' - 'nameWithheld') = (OLD.snapshot - 'name' - 'nameWithheld')))
         OR NEW.user_id IS DISTINCT FROM OLD.user_id
         OR NEW.issued_at IS DISTINCT FROM OLD.issued_at THEN
        RAISE EXCEPTION 'certificate % is immutable', OLD.id USING ERRCODE = 'check_violation', CONSTRAINT = 'certificates_immutable';
      END IF;
      IF OLD.status <> 'valid' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'certificate % is no longer valid', OLD.id USING ERRCODE = 'check_violation', CONSTRAINT = 'certificates_final_status';
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`;

/** The function as migration 20261125170000 created it (restored by down). */
const CERTIFICATES_IMMUTABLE_ORIGINAL = `
    CREATE OR REPLACE FUNCTION certificates_immutable() RETURNS trigger AS $$
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
    $$ LANGUAGE plpgsql`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('erasure_requests', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('users.id').onDelete('RESTRICT');
    table.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text('status').notNullable().defaultTo('open');
    table.timestamp('completed_at', { useTz: true });
    // null: honoured automatically (nothing under retention); otherwise the admin who anonymised.
    table.integer('completed_by');
    table.index(['status', 'requested_at']);
  });
  await knex.raw(`ALTER TABLE erasure_requests ADD CONSTRAINT erasure_requests_status_check CHECK (status IN ('open', 'completed'))`);
  // One open request per person: asking twice changes nothing.
  await knex.raw(`CREATE UNIQUE INDEX erasure_requests_one_open ON erasure_requests (user_id) WHERE status = 'open'`);

  await knex.schema.alterTable('users', (table) => {
    table.timestamp('anonymised_at', { useTz: true });
  });

  // The erasure redaction: only the personal fields may change, nothing may be deleted.
  await knex.raw(`
    CREATE FUNCTION audit_events_erasure_redaction() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND NEW.id = OLD.id
         AND NEW.occurred_at = OLD.occurred_at
         AND NEW.action = OLD.action
         AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
         AND NEW.subject_type IS NOT DISTINCT FROM OLD.subject_type
         AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
         AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_events is append-only (an erasure may only redact ip, before and after)';
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(`
    CREATE TRIGGER audit_events_erasure_redaction
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW WHEN (current_setting('kokoma.audit_redaction', true) = 'erasure')
    EXECUTE FUNCTION audit_events_erasure_redaction()`);
  // The guard itself stays as it is (its function, with any exception another migration gave
  // it, is not touched); it only steps aside for the redaction trigger above.
  await knex.raw('DROP TRIGGER audit_events_no_update_or_delete ON audit_events');
  await knex.raw(`
    CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW WHEN (current_setting('kokoma.audit_redaction', true) IS DISTINCT FROM 'erasure')
    EXECUTE FUNCTION audit_events_append_only()`);

  await knex.raw(CERTIFICATES_IMMUTABLE_WITH_WITHHELD_NAME);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(CERTIFICATES_IMMUTABLE_ORIGINAL);
  await knex.raw('DROP TRIGGER audit_events_no_update_or_delete ON audit_events');
  await knex.raw(`
    CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
  await knex.raw('DROP TRIGGER IF EXISTS audit_events_erasure_redaction ON audit_events');
  await knex.raw('DROP FUNCTION IF EXISTS audit_events_erasure_redaction()');
  await knex.schema.alterTable('users', (table) => {
    table.dropColumn('anonymised_at');
  });
  await knex.schema.dropTableIfExists('erasure_requests');
}
