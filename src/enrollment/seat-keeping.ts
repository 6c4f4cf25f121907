import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { inTransaction as inDatabaseTransaction, type ConstraintErrors } from '../db/transaction';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { OfferingsForSeats, SeatOffering, SeatsListener } from '../catalog/offering-seats';
import { Conflict, NotFound } from '../shared/errors';
import * as queries from './enrollment.queries';
import type { EnrollmentNotice, EnrollmentNotifier } from './enrollment.notifications';

export type SeatKeepingDeps = { db: Database; notify: EnrollmentNotifier; offerings: OfferingsForSeats };

/** The unique index allows one active enrollment per person and offering. */
const alreadyEnrolled = { enrollments_one_active_per_person: () => new Conflict('enrollment.errors.alreadyEnrolled') };

/**
 * The seat rules every enrollment change shares: lock the offering (through the catalog,
 * which owns it), place a person (a seat while seats are free, else the waitlist),
 * promote from the waitlist, cancel; and queue the mails in the same transaction, so a
 * committed change always has its mail and a rolled-back one has none.
 */
export function createSeatKeeping({ db, notify, offerings }: SeatKeepingDeps) {
  async function lockOrNotFound(trx: Knex.Transaction, offeringId: number): Promise<SeatOffering> {
    const offering = await offerings.lock(trx, offeringId);
    if (!offering) throw new NotFound();
    return offering;
  }

  async function inTransaction<T>(work: (trx: Knex.Transaction) => Promise<{ result: T; notices: EnrollmentNotice[] }>, constraintErrors: ConstraintErrors = alreadyEnrolled): Promise<T> {
    return inDatabaseTransaction(
      db,
      async (trx) => {
        const { result, notices } = await work(trx);
        await notify(trx, notices);
        return result;
      },
      constraintErrors,
    );
  }

  /** Fills free seats from the waitlist, first come first served. */
  async function promoteWaitlisted(trx: Knex.Transaction, offering: SeatOffering, actor: Actor): Promise<EnrollmentNotice[]> {
    const notices: EnrollmentNotice[] = [];
    let free = offering.capacity - (await queries.countConfirmed(trx, offering.id));
    while (free > 0) {
      const next = await queries.firstWaitlisted(trx, offering.id);
      if (!next) break;
      await queries.updateEnrollmentStatus(trx, next.id, 'confirmed', null);
      await recordAudit(trx, actor, { action: 'enrollment.promoted', subjectType: 'enrollment', subjectId: next.id, before: { status: 'waitlisted' }, after: { status: 'confirmed' } });
      notices.push({ kind: 'promoted', userId: next.user_id, offeringId: offering.id, offeringTitle: offering.title });
      free -= 1;
    }
    return notices;
  }

  /** Confirmed while seats are free, else the waitlist; pending where approval is required. */
  async function placeInOffering(trx: Knex.Transaction, offering: SeatOffering, userId: number, decidedBy: number | null, skipApproval: boolean) {
    const existing = await queries.findActiveEnrollment(trx, offering.id, userId);
    if (existing) throw new Conflict('enrollment.errors.alreadyEnrolled');
    let status: queries.EnrollmentStatus;
    if (offering.requires_approval && !skipApproval) status = 'pending';
    else status = (await queries.countConfirmed(trx, offering.id)) < offering.capacity ? 'confirmed' : 'waitlisted';
    const enrollment = await queries.insertEnrollment(trx, { offering_id: offering.id, user_id: userId, status, decided_by: decidedBy });
    const position = status === 'waitlisted' ? await queries.waitlistPosition(trx, enrollment) : null;
    return { enrollment, position };
  }

  async function cancelLocked(trx: Knex.Transaction, offering: SeatOffering, enrollment: queries.EnrollmentRow, actor: Actor): Promise<EnrollmentNotice[]> {
    await queries.updateEnrollmentStatus(trx, enrollment.id, 'cancelled', actor.userId);
    await recordAudit(trx, actor, { action: 'enrollment.cancelled', subjectType: 'enrollment', subjectId: enrollment.id, before: { status: enrollment.status }, after: { status: 'cancelled' } });
    const promoted = enrollment.status === 'confirmed' ? await promoteWaitlisted(trx, offering, actor) : [];
    return [{ kind: 'cancelled', userId: enrollment.user_id, offeringId: offering.id, offeringTitle: offering.title, previousStatus: enrollment.status }, ...promoted];
  }

  /** What the catalog tells the enrollment domain about its offerings (see catalog/offering-seats.ts). */
  const seats: SeatsListener = {
    confirmedSeats: (trx, offeringId) => queries.countConfirmed(trx, offeringId),

    async capacityChanged(trx, offering, actor) {
      await notify(trx, await promoteWaitlisted(trx, offering, actor));
    },

    async offeringCancelled(trx, offering, actor) {
      const active = await queries.selectActiveEnrollmentsOfOffering(trx, offering.id);
      const notices: EnrollmentNotice[] = [];
      for (const enrollment of active) {
        await queries.updateEnrollmentStatus(trx, enrollment.id, 'cancelled', actor.userId);
        await recordAudit(trx, actor, {
          action: 'enrollment.cancelled',
          subjectType: 'enrollment',
          subjectId: enrollment.id,
          before: { status: enrollment.status },
          after: { status: 'cancelled', reason: 'offering_cancelled' },
        });
        notices.push({ kind: 'offeringCancelled', userId: enrollment.user_id, offeringId: offering.id, offeringTitle: offering.title, previousStatus: enrollment.status });
      }
      await notify(trx, notices);
    },
  };

  return { lockOrNotFound, inTransaction, promoteWaitlisted, placeInOffering, cancelLocked, seats };
}

export type SeatKeeping = ReturnType<typeof createSeatKeeping>;
