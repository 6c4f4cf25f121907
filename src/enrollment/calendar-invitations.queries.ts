import type { Knex } from 'knex';
import type { PersonSessionRow } from './my-dates.queries';

type Db = Knex | Knex.Transaction;

/** A session as its invitation describes it, from the catalog's published `catalog_session_schedule`: the feed's columns. */
export type InvitationSessionRow = Omit<PersonSessionRow, 'cancelled' | 'as_trainer'>;

/** The sessions of these offerings (read in the caller's transaction, so a raised SEQUENCE is seen). */
export async function selectInvitationSessions(db: Db, offeringIds: number[]): Promise<InvitationSessionRow[]> {
  if (offeringIds.length === 0) return [];
  return db('catalog_session_schedule')
    .select('session_id', 'offering_id', 'offering_title', 'programme_title', 'module_title', 'starts_at', 'ends_at', 'location', 'online_url', 'calendar_sequence')
    .whereIn('offering_id', offeringIds)
    .orderBy([{ column: 'starts_at' }, { column: 'session_id' }]);
}

/** Who holds a confirmed seat in an offering: the people a session's change concerns. */
export async function selectConfirmedUserIds(db: Db, offeringId: number): Promise<number[]> {
  const rows: { user_id: number }[] = await db('confirmed_seats').select('user_id').where('offering_id', offeringId).orderBy('user_id');
  return rows.map((row) => row.user_id);
}
