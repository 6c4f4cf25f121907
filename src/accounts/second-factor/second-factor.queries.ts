import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type SecondFactorRow = { user_id: number; totp_secret_encrypted: string; last_used_step: string | null; confirmed_at: Date; recovery_codes_created_at: Date };

export async function findSecondFactor(db: Db, userId: number): Promise<SecondFactorRow | undefined> {
  return db('second_factors').select('user_id', 'totp_secret_encrypted', 'last_used_step', 'confirmed_at', 'recovery_codes_created_at').where('user_id', userId).first();
}

/** Whether the person has a second factor, and how many recovery codes are left (one statement). */
export async function secondFactorStatus(db: Db, userId: number): Promise<{ confirmed_at: Date; recovery_codes_created_at: Date; codes_left: number } | undefined> {
  const row = await db('second_factors as f')
    .select('f.confirmed_at', 'f.recovery_codes_created_at')
    .select(db.raw('(SELECT count(*)::int FROM second_factor_recovery_codes c WHERE c.user_id = f.user_id AND c.used_at IS NULL) AS codes_left'))
    .where('f.user_id', userId)
    .first();
  return row as { confirmed_at: Date; recovery_codes_created_at: Date; codes_left: number } | undefined;
}

/** A new factor, or a replaced one (the old key stops working at once). `usedStep`: the code that confirmed it can't log in again. */
export async function upsertSecondFactor(trx: Db, userId: number, encryptedSecret: string, usedStep: number, now: Date): Promise<void> {
  await trx('second_factors')
    .insert({ user_id: userId, totp_secret_encrypted: encryptedSecret, last_used_step: usedStep, confirmed_at: now, recovery_codes_created_at: now })
    .onConflict('user_id')
    .merge(['totp_secret_encrypted', 'last_used_step', 'confirmed_at', 'recovery_codes_created_at']);
}

/**
 * Takes a code's step only if it is later than the last one taken: one UPDATE, so of two
 * requests with the same code exactly one matches the row.
 */
export async function takeStep(db: Db, userId: number, step: number): Promise<boolean> {
  const updated = await db('second_factors')
    .where('user_id', userId)
    .andWhere((query) => query.whereNull('last_used_step').orWhere('last_used_step', '<', step))
    .update({ last_used_step: step });
  return updated === 1;
}

/** Replaces all recovery codes (the old ones stop working). */
export async function replaceRecoveryCodes(trx: Db, userId: number, codeHashes: string[], now: Date): Promise<void> {
  await trx('second_factor_recovery_codes').where('user_id', userId).delete();
  await trx('second_factor_recovery_codes').insert(codeHashes.map((code_hash) => ({ user_id: userId, code_hash })));
  await trx('second_factors').where('user_id', userId).update({ recovery_codes_created_at: now });
}

/** Spends an unspent code in one UPDATE: two parallel uses of one code, one success. */
export async function spendRecoveryCode(db: Db, userId: number, codeHash: string, now: Date): Promise<boolean> {
  const updated = await db('second_factor_recovery_codes').where({ user_id: userId, code_hash: codeHash }).whereNull('used_at').update({ used_at: now });
  return updated === 1;
}

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const row = await db('second_factor_recovery_codes').where('user_id', userId).whereNull('used_at').count<{ count: string }[]>('id as count').first();
  return Number(row?.count ?? 0);
}

/** Removes the factor and its codes (reset, switching off, erasure): true when there was one. */
export async function deleteSecondFactor(db: Db, userId: number): Promise<boolean> {
  const deleted = await db('second_factors').where('user_id', userId).delete();
  return deleted > 0;
}
