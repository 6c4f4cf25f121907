import type { Knex } from 'knex';
import type { EnrollmentNotice } from './enrollment.notifications';

type Db = Knex | Knex.Transaction;

export async function insertNoticeBatch(trx: Knex.Transaction, offeringId: number, notices: EnrollmentNotice[]): Promise<number> {
  const [row] = await trx('enrollment_notice_batches').insert({ offering_id: offeringId, notices: JSON.stringify(notices), total: notices.length }).returning('id');
  return Number((row as { id: number }).id);
}

/** One batch not composed yet, locked: instances composing at once take different batches. */
export async function claimPendingBatch(trx: Knex.Transaction): Promise<{ id: number; notices: EnrollmentNotice[] } | undefined> {
  const row = await trx('enrollment_notice_batches').first('id', 'notices').whereNull('composed_at').orderBy('id').forUpdate().skipLocked();
  return row ? { id: Number(row.id), notices: row.notices as EnrollmentNotice[] } : undefined;
}

/** Composed: the notices (they may carry invitation links) are not kept. */
export async function markComposed(trx: Knex.Transaction, id: number): Promise<void> {
  await trx('enrollment_notice_batches').where('id', id).update({ notices: JSON.stringify([]), composed_at: trx.fn.now() });
}

export type NoticeBatchState = { total: number; composed_at: Date | null; created_at: Date };

/** The offering's latest batch, for the bulk page's "Benachrichtigungen" line. */
export async function selectLatestBatch(db: Db, offeringId: number): Promise<NoticeBatchState | undefined> {
  return db('enrollment_notice_batches').first('total', 'composed_at', 'created_at').where('offering_id', offeringId).orderBy('id', 'desc');
}

export async function deleteComposedBefore(db: Db, before: Date): Promise<number> {
  return db('enrollment_notice_batches').whereNotNull('composed_at').where('composed_at', '<', before).delete();
}
