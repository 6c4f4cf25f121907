import type { Knex } from 'knex';

/**
 * Indexes for the audit trail page (`/admin/audit`, src/audit). The trail is append-only and
 * grows without end, so the page walks it by id (keyset: `id < :before ORDER BY id DESC`).
 * Each filter gets an index that ends in `id`: a filtered page then reads its 51 entries in
 * order straight from the index instead of collecting every matching entry and sorting them.
 * The action index also answers "which actions exist" cheaply should that ever be needed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX audit_events_action_id ON audit_events (action, id)');
  await knex.raw('CREATE INDEX audit_events_actor_id ON audit_events (actor_user_id, id)');
  await knex.raw('CREATE INDEX audit_events_subject_id ON audit_events (subject_type, subject_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS audit_events_subject_id');
  await knex.raw('DROP INDEX IF EXISTS audit_events_actor_id');
  await knex.raw('DROP INDEX IF EXISTS audit_events_action_id');
}
