import type { Database } from '../db/database';
import type { Actor } from '../audit/audit.service';
import { recordAudit } from '../audit/audit.service';
import { contactsOf, findContactByEmail } from '../accounts/contacts.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { mayCancelOwnEnrollment, registrationState, type RegistrationState } from '../catalog/offering-rules';
import type { OfferingsForSeats } from '../catalog/offering-seats';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import { lastPageWindow, pageOf, pageWindow, type Page } from '../shared/paging';
import * as queries from './enrollment.queries';
import * as listQueries from './manage-list.queries';
import * as myDates from './my-dates.queries';
import type { EnrollmentListRow, EnrollmentToMove } from './manage-list.queries';
import type { ListFilter } from './enrollment.schemas';
import type { EnrollmentNotice, EnrollmentNotifier } from './enrollment.notifications';
import { createSeatKeeping } from './seat-keeping';
import { createBulkEnrollment } from './bulk-enrollment.service';
import { createBulkNotices } from './bulk-notices';

/** Rows per page of a coordinator's enrollment list. */
export const ENROLLMENTS_PER_PAGE = 50;

type Deps = {
  db: Database;
  notify: EnrollmentNotifier;
  offerings: OfferingsForSeats;
  now?: () => Date;
  /** Runs work after the response (the app passes the outbox's `defer`, which shutdown and tests wait for). */
  background?: (task: () => Promise<void>) => void;
};

export type OwnCancellation = { enrollmentId: number; offeringId: number; offeringTitle: string; status: 'pending' | 'confirmed' | 'waitlisted'; waiting: number };

export type EnrollOutcome = { enrollmentId: number; status: queries.EnrollmentStatus; position: number | null };

/** Why a participant cannot enroll, for each state of registration but "open". */
const REGISTRATION_REFUSALS: Record<Exclude<RegistrationState, 'open' | 'notPublished'>, string> = {
  cancelled: 'enrollment.errors.offeringCancelled',
  started: 'enrollment.errors.offeringStarted',
  notYetOpen: 'enrollment.errors.registrationNotOpen',
  closed: 'enrollment.errors.registrationClosed',
};

/**
 * Seats, waitlist and approvals. Every change to an offering's seats locks the offering
 * row first (lent by the catalog), so parallel requests queue up in PostgreSQL and see
 * each other's result; a trigger and a partial unique index guard the same invariants
 * underneath. Mails are queued in the same transaction.
 */
export function createEnrollmentService({ db, notify, offerings, now = () => new Date(), background = (task) => void task() }: Deps) {
  const seatKeeping = createSeatKeeping({ db, notify, offerings });
  const bulkNotices = createBulkNotices({ db, notify });
  const { lockOrNotFound, inTransaction, promoteWaitlisted, placeInOffering, cancelLocked } = seatKeeping;

  return {
    async enroll(user: SessionUser, offeringId: number, actor: Actor): Promise<EnrollOutcome> {
      return inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, offeringId);
        const state = registrationState(offering, now());
        if (state === 'notPublished') throw new NotFound();
        if (state !== 'open') throw new Conflict(REGISTRATION_REFUSALS[state]);
        const { enrollment, position } = await placeInOffering(trx, offering, user.id, null, false);
        await recordAudit(trx, actor, { action: 'enrollment.created', subjectType: 'enrollment', subjectId: enrollment.id, after: { offeringId, userId: user.id, status: enrollment.status } });
        const kind = enrollment.status as 'confirmed' | 'waitlisted' | 'pending';
        return {
          result: { enrollmentId: enrollment.id, status: enrollment.status, position },
          notices: [{ kind, userId: user.id, offeringId, offeringTitle: offering.title, position: position ?? undefined }],
        };
      });
    },

    /**
     * What the confirmation page before a participant's own cancellation shows: the same
     * checks as `cancelOwn`, so the page is only offered while cancelling is still possible,
     * and how many wait for the seat that becomes free.
     */
    async ownCancellation(user: SessionUser, enrollmentId: number): Promise<OwnCancellation> {
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment || enrollment.user_id !== user.id) throw new NotFound();
      if (!queries.ACTIVE_STATUSES.includes(enrollment.status)) throw new Conflict('enrollment.errors.notActive');
      const offering = await offerings.find(db, enrollment.offering_id);
      if (!offering) throw new NotFound();
      if (!mayCancelOwnEnrollment(offering, now())) throw new Conflict('enrollment.errors.deadlinePassed');
      const waiting = enrollment.status === 'confirmed' ? await queries.countWaitlisted(db, offering.id) : 0;
      return { enrollmentId, offeringId: offering.id, offeringTitle: offering.title, status: enrollment.status as OwnCancellation['status'], waiting };
    },

    /** Participants cancel their own enrollment until the cancellation deadline (or the first session). */
    async cancelOwn(user: SessionUser, enrollmentId: number, actor: Actor): Promise<void> {
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment || enrollment.user_id !== user.id) throw new NotFound();
      await inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, enrollment.offering_id);
        const current = await queries.findEnrollment(trx, enrollmentId);
        if (!current || !queries.ACTIVE_STATUSES.includes(current.status)) throw new Conflict('enrollment.errors.notActive');
        if (!mayCancelOwnEnrollment(offering, now())) throw new Conflict('enrollment.errors.deadlinePassed');
        return { result: undefined, notices: await cancelLocked(trx, offering, current, actor) };
      });
    },

    // ----- coordinators -----

    /**
     * One page of an offering's enrollments with the seat counts: two queries whatever
     * the size of the offering (a third only when the page asked for lies past the end).
     */
    async listPage(actingUser: SessionUser, offeringId: number, filter: ListFilter): Promise<{ counts: queries.SeatCounts; list: Page<EnrollmentListRow> }> {
      assertCan(actingUser, 'enrollment.manage');
      const criteria = { status: filter.status, search: filter.q };
      let window = pageWindow(filter.page, ENROLLMENTS_PER_PAGE);
      const [totals, firstTry] = await Promise.all([
        listQueries.selectEnrollmentListTotals(db, offeringId, criteria),
        listQueries.selectEnrollmentListPage(db, offeringId, criteria, window.limit, window.offset),
      ]);
      let rows = firstTry;
      const lastPage = lastPageWindow(totals.matching, window);
      if (lastPage) {
        window = lastPage;
        rows = await listQueries.selectEnrollmentListPage(db, offeringId, criteria, window.limit, window.offset);
      }
      const { matching, ...counts } = totals;
      return { counts, list: pageOf(rows, matching, window) };
    },

    /** The seat counts of one offering (the bulk enrollment page shows them). */
    async seatCountsOf(actingUser: SessionUser, offeringId: number): Promise<queries.SeatCounts> {
      assertCan(actingUser, 'enrollment.manage');
      return (await queries.selectSeatCounts(db, [offeringId])).get(offeringId) ?? { confirmed: 0, waitlisted: 0, pending: 0 };
    },

    /** The person a coordinator is about to move; the enrollment must belong to the offering in the URL. */
    async enrollmentToMove(actingUser: SessionUser, offeringId: number, enrollmentId: number): Promise<EnrollmentToMove> {
      assertCan(actingUser, 'enrollment.manage');
      const enrollment = await listQueries.selectEnrollmentToMove(db, enrollmentId);
      if (!enrollment || enrollment.offering_id !== offeringId) throw new NotFound();
      return enrollment;
    },

    async decide(actingUser: SessionUser, enrollmentId: number, decision: 'approve' | 'reject', actor: Actor): Promise<queries.EnrollmentStatus> {
      assertCan(actingUser, 'enrollment.manage');
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment) throw new NotFound();
      return inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, enrollment.offering_id);
        const current = await queries.findEnrollment(trx, enrollmentId);
        if (current?.status !== 'pending') throw new Conflict('enrollment.errors.notPending');
        const status: queries.EnrollmentStatus =
          decision === 'reject' ? 'rejected' : (await queries.countConfirmed(trx, offering.id)) < offering.capacity ? 'confirmed' : 'waitlisted';
        await queries.updateEnrollmentStatus(trx, enrollmentId, status, actingUser.id);
        await recordAudit(trx, actor, { action: `enrollment.${decision === 'reject' ? 'rejected' : 'approved'}`, subjectType: 'enrollment', subjectId: enrollmentId, before: { status: 'pending' }, after: { status } });
        const position = status === 'waitlisted' ? await queries.waitlistPosition(trx, current) : undefined;
        const kind = decision === 'reject' ? 'rejected' : status === 'confirmed' ? 'approved' : 'waitlisted';
        return { result: status, notices: [{ kind, userId: current.user_id, offeringId: offering.id, offeringTitle: offering.title, position }] };
      });
    },

    /** Coordinators may enroll anyone with an account, also outside the registration window. */
    async enrollByHand(actingUser: SessionUser, offeringId: number, email: string, actor: Actor): Promise<EnrollOutcome> {
      assertCan(actingUser, 'enrollment.manage');
      const person = await findContactByEmail(db, email);
      if (!person || !person.active) throw new Invalid({ email: 'enrollment.errors.noSuchPerson' });
      return this.enrollPerson(actingUser, offeringId, person.id, actor);
    },

    async enrollPerson(actingUser: SessionUser, offeringId: number, userId: number, actor: Actor): Promise<EnrollOutcome> {
      assertCan(actingUser, 'enrollment.manage');
      return inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, offeringId);
        if (offering.status === 'cancelled') throw new Conflict('enrollment.errors.offeringCancelled');
        const { enrollment, position } = await placeInOffering(trx, offering, userId, actingUser.id, true);
        await recordAudit(trx, actor, { action: 'enrollment.created_by_coordinator', subjectType: 'enrollment', subjectId: enrollment.id, after: { offeringId, userId, status: enrollment.status } });
        const kind = enrollment.status as 'confirmed' | 'waitlisted';
        return {
          result: { enrollmentId: enrollment.id, status: enrollment.status, position },
          notices: [{ kind, userId, offeringId, offeringTitle: offering.title, position: position ?? undefined }],
        };
      });
    },

    async cancelByCoordinator(actingUser: SessionUser, enrollmentId: number, actor: Actor): Promise<void> {
      assertCan(actingUser, 'enrollment.manage');
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment) throw new NotFound();
      await inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, enrollment.offering_id);
        const current = await queries.findEnrollment(trx, enrollmentId);
        if (!current || !queries.ACTIVE_STATUSES.includes(current.status)) throw new Conflict('enrollment.errors.notActive');
        return { result: undefined, notices: await cancelLocked(trx, offering, current, actor) };
      });
    },

    /** Moves a person to another offering of the same programme: a new seat there, the old one freed. */
    async move(actingUser: SessionUser, fromOfferingId: number, enrollmentId: number, targetOfferingId: number, actor: Actor): Promise<EnrollOutcome> {
      assertCan(actingUser, 'enrollment.manage');
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment || enrollment.offering_id !== fromOfferingId) throw new NotFound();
      if (enrollment.offering_id === targetOfferingId) throw new Invalid({ targetOfferingId: 'enrollment.errors.sameOffering' });
      return inTransaction(async (trx) => {
        // Lock both offerings in id order so two opposite moves can't deadlock.
        const [firstId, secondId] = [enrollment.offering_id, targetOfferingId].sort((a, b) => a - b) as [number, number];
        const first = await lockOrNotFound(trx, firstId);
        const second = await lockOrNotFound(trx, secondId);
        const source = first.id === enrollment.offering_id ? first : second;
        const target = first.id === targetOfferingId ? first : second;
        if (target.programme_id !== source.programme_id) throw new Invalid({ targetOfferingId: 'enrollment.errors.otherProgramme' });
        if (target.status === 'cancelled') throw new Invalid({ targetOfferingId: 'enrollment.errors.offeringCancelled' });
        const current = await queries.findEnrollment(trx, enrollmentId);
        if (!current || !queries.ACTIVE_STATUSES.includes(current.status)) throw new Conflict('enrollment.errors.notActive');
        await queries.updateEnrollmentStatus(trx, current.id, 'cancelled', actingUser.id);
        const { enrollment: moved, position } = await placeInOffering(trx, target, current.user_id, actingUser.id, true);
        await recordAudit(trx, actor, {
          action: 'enrollment.moved',
          subjectType: 'enrollment',
          subjectId: moved.id,
          before: { offeringId: source.id, enrollmentId: current.id, status: current.status },
          after: { offeringId: target.id, enrollmentId: moved.id, status: moved.status },
        });
        const promoted = current.status === 'confirmed' ? await promoteWaitlisted(trx, source, actor) : [];
        const kind = moved.status as 'confirmed' | 'waitlisted';
        // A confirmed seat left behind has calendar entries: they are cancelled in a mail of their own.
        const movedAway: EnrollmentNotice[] =
          current.status === 'confirmed' ? [{ kind: 'movedAway', userId: current.user_id, offeringId: source.id, offeringTitle: source.title, targetTitle: target.title, previousStatus: 'confirmed' }] : [];
        return {
          result: { enrollmentId: moved.id, status: moved.status, position },
          notices: [...movedAway, { kind, userId: current.user_id, offeringId: target.id, offeringTitle: target.title, position: position ?? undefined }, ...promoted],
        };
      });
    },

    // ----- reading -----

    seatCounts: (offeringIds: number[]) => queries.selectSeatCounts(db, offeringIds),
    activeEnrollment: (offeringId: number, userId: number) => queries.findActiveEnrollment(db, offeringId, userId),
    waitlistPosition: (enrollment: Pick<queries.EnrollmentRow, 'id' | 'offering_id'>) => queries.waitlistPosition(db, enrollment),
    /** "Meine Termine": upcoming sessions, every enrollment and the calendar-feed flag, in two queries. */
    async datesOf(userId: number, from: Date) {
      const [sessions, { enrollments, feedActive }] = await Promise.all([myDates.selectSessionsOfPerson(db, userId, from), myDates.selectEnrollmentsWithFeed(db, userId)]);
      return { sessions, enrollments, feedActive };
    },
    contactsOf: (userIds: number[]) => contactsOf(db, userIds),

    /** Bulk enrollment from a list (preview, then take over). */
    ...createBulkEnrollment({ db, offerings, seatKeeping, composeInBackground: () => background(async () => void (await bulkNotices.composePending())) }),
    /** The offering's latest bulk take-over: how many mails, and whether they are composed yet. */
    latestBulkNotices: async (user: SessionUser, offeringId: number) => {
      assertCan(user, 'enrollment.manage');
      return bulkNotices.latestBatch(offeringId);
    },

    /** How the catalog's capacity changes and cancellations reach the seats (wired in app.ts). */
    seats: seatKeeping.seats,
  };
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
