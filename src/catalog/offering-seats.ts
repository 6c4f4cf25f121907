import type { Knex } from 'knex';
import type { Actor } from '../audit/audit.service';
import * as queries from './offerings.queries';

export type SeatOffering = queries.SeatOffering;

/**
 * The catalog owns offerings; the enrollment domain owns the seats in them. What each
 * needs of the other goes through these two small interfaces, wired in app.ts:
 *
 * - the catalog lends the enrollment domain its offering (locked for a seat decision);
 * - the enrollment domain hears, inside the catalog's transaction, that an offering's
 *   capacity changed or that it was cancelled, and fills or ends the seats accordingly.
 */
export type OfferingsForSeats = {
  lock(trx: Knex.Transaction, offeringId: number): Promise<SeatOffering | undefined>;
  find(db: Knex | Knex.Transaction, offeringId: number): Promise<SeatOffering | undefined>;
};

export type SeatsListener = {
  /** Confirmed seats now, to keep the capacity from going below them. */
  confirmedSeats(trx: Knex.Transaction, offeringId: number): Promise<number>;
  /** The capacity of the (locked) offering changed: fill free seats from the waitlist and tell the promoted. */
  capacityChanged(trx: Knex.Transaction, offering: SeatOffering, actor: Actor): Promise<void>;
  /** The (locked) offering was cancelled: end every active enrollment and tell each person. */
  offeringCancelled(trx: Knex.Transaction, offering: SeatOffering, actor: Actor): Promise<void>;
};

export const offeringsForSeats: OfferingsForSeats = {
  lock: (trx, offeringId) => queries.selectSeatOffering(trx, offeringId, true),
  find: (db, offeringId) => queries.selectSeatOffering(db, offeringId, false),
};
