import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** Certificates are kept and stay verifiable: a person with any is never anonymised automatically. */
export async function hasCertificates(db: Db, userId: number): Promise<boolean> {
  const row = await db('certificates').select(db.raw('1')).where('user_id', userId).first();
  return row !== undefined;
}

/**
 * The stored PDF (`pdf`, `pdf_sha256`) is left byte-identical: it is the document the person
 * holds, and the verification page proves it by its hash. The snapshot (the facts the page
 * shows) loses the name and says it is withheld, so the database keeps the name nowhere but
 * inside the stored document itself (where it is glyph-encoded, not searchable text).
 */
export async function withholdHolderName(trx: Db, userId: number, placeholder: string): Promise<void> {
  await trx('certificates')
    .where('user_id', userId)
    .update({ snapshot: trx.raw(`jsonb_set(jsonb_set(snapshot, '{name}', to_jsonb(?::text)), '{nameWithheld}', 'true'::jsonb)`, [placeholder]) });
}
