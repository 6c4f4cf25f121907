import type { Knex } from 'knex';

/**
 * Retention (Löschkonzept, issue 13). Self-contained: no app imports.
 * - `retention_runs` (privacy): one row per run of the retention job, with the number of
 *   rows or files each rule removed (counts only, never personal data).
 * - `audit_shorten_ip(text)`: an IPv4 address without its last byte (a.b.c.0), an IPv6
 *   address cut to its /48 network (an IPv4-mapped one to a.b.c.0 as well); what cannot be
 *   read as an address becomes NULL.
 * - The audit trail stays append-only with one narrow exception: an UPDATE that changes
 *   nothing but `ip`, and only to `audit_shorten_ip` of the old value. Any other change, and
 *   every DELETE, still raises. A partial index finds the rows still to be shortened.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('retention_runs', (table) => {
    table.bigIncrements('id');
    table.timestamp('started_at', { useTz: true }).notNullable();
    table.timestamp('finished_at', { useTz: true });
    table.jsonb('counts').notNullable().defaultTo('{}');
    table.text('error');
    table.index(['started_at']);
  });

  await knex.raw(`
    CREATE FUNCTION audit_shorten_ip(address text) RETURNS text AS $$
    DECLARE
      parsed inet;
    BEGIN
      IF address IS NULL THEN RETURN NULL; END IF;
      BEGIN
        parsed := address::inet;
      EXCEPTION WHEN others THEN
        RETURN NULL;
      END;
      IF family(parsed) = 4 THEN RETURN host(network(set_masklen(parsed, 24))); END IF;
      IF parsed << '::ffff:0:0/96'::inet THEN RETURN host(network(set_masklen(parsed, 120))); END IF;
      RETURN host(network(set_masklen(parsed, 48)));
    END;
    $$ LANGUAGE plpgsql IMMUTABLE`);
  await knex.raw(`
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND NEW.ip IS NOT DISTINCT FROM audit_shorten_ip(OLD.ip)
         AND to_jsonb(NEW) - 'ip' = to_jsonb(OLD) - 'ip' THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_events is append-only';
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw(`CREATE INDEX audit_events_ip_to_shorten ON audit_events (occurred_at)
    WHERE ip IS NOT NULL AND ip IS DISTINCT FROM audit_shorten_ip(ip)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS audit_events_ip_to_shorten');
  await knex.raw(`
    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only';
    END;
    $$ LANGUAGE plpgsql`);
  await knex.raw('DROP FUNCTION IF EXISTS audit_shorten_ip(text)');
  await knex.schema.dropTableIfExists('retention_runs');
}
