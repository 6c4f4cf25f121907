import type { Knex } from 'knex';

/**
 * Single sign-on: which person of an identity provider (OpenID Connect issuer or the LDAP
 * directory) is which account. The provider's subject, never the e-mail address, identifies
 * the person on later logins (an address can change hands inside an authority). One account
 * may be linked to several providers, a subject of one provider to one account only.
 * The row goes with the account (cascade) and with an erasure (privacy anonymisePerson).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('external_identities', (table) => {
    table.increments('id');
    // 'oidc:<provider id>' or 'ldap', as configured (src/accounts/sso/sso.config.ts).
    table.text('provider').notNullable();
    table.text('subject').notNullable();
    table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('last_login_at', { useTz: true }).nullable();
    table.unique(['provider', 'subject'], { indexName: 'external_identities_provider_subject_unique' });
    table.index(['user_id'], 'external_identities_user_id_index');
  });
  await knex.raw(`ALTER TABLE external_identities
    ADD CONSTRAINT external_identities_provider_check CHECK (provider ~ '^(ldap|oidc:[a-z0-9-]{1,40})$'),
    ADD CONSTRAINT external_identities_subject_check CHECK (length(subject) BETWEEN 1 AND 255)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('external_identities');
}
