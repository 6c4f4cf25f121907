import type { Knex } from 'knex';

/**
 * A person's second factor (issue 16): one authenticator app (TOTP) per account and its ten
 * one-time recovery codes. The TOTP key is stored encrypted (AES-256-GCM with
 * SECOND_FACTOR_KEY), the recovery codes only as keyed hashes. `last_used_step` is the last
 * 30-second step a code was accepted for: a code is taken only for a later step, so the same
 * code can't be used twice. A recovery code is spent by setting `used_at` in one UPDATE that
 * only matches an unspent code, so two parallel uses can't both succeed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('second_factors', (table) => {
    table.integer('user_id').primary().references('users.id').onDelete('CASCADE');
    table.text('totp_secret_encrypted').notNullable();
    table.bigInteger('last_used_step');
    table.timestamp('confirmed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('recovery_codes_created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('second_factor_recovery_codes', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('second_factors.user_id').onDelete('CASCADE');
    table.text('code_hash').notNullable();
    table.timestamp('used_at', { useTz: true });
    table.unique(['user_id', 'code_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('second_factor_recovery_codes');
  await knex.schema.dropTable('second_factors');
}
