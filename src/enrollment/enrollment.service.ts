import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { recordAudit, type Actor } from '../audit/audit.service';
import { contactsByEmails, contactsOf, findContactByEmail } from '../accounts/contacts.service';
import { createInvitedAccount, unusablePasswordHash } from '../accounts/invitations.service';
import { activeOrganisations } from '../accounts/organisations.service';
import { DEFAULT_LOCALE } from '../i18n/i18n';
import type { SessionUser } from '../accounts/roles';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors';
import * as queries from './enrollment.queries';
import { organisationKey, planBulkEnrollment, type ActiveStatus, type BulkContext, type BulkCounts, type BulkPlan, type BulkRow } from './bulk.service';
import type { EnrollmentNotice, EnrollmentNotifier } from './enrollment.notifications';

type Deps = { db: Database; notify: EnrollmentNotifier; now?: () => Date };

export type EnrollOutcome = { enrollmentId: number; status: queries.EnrollmentStatus; position: number | null };

const isCoordinator = (user: SessionUser) => user.role === 'coordinator' || user.role === 'admin';

function assertCoordinator(user: SessionUser): void {
  if (!isCoordinator(user)) throw new Forbidden();
}

/**
 * Seats, waitlist and approvals. Every change to an offering's seats locks the offering
 * row first, so parallel requests queue up in PostgreSQL and see each other's result;
 * a trigger and a partial unique index guard the same invariants underneath.
 */
export function createEnrollmentService({ db, notify, now = () => new Date() }: Deps) {
  /** Fills free seats from the waitlist, first come first served. */
  async function promoteWaitlisted(trx: Knex.Transaction, offering: queries.LockedOffering, actor: Actor): Promise<EnrollmentNotice[]> {
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
  async function placeInOffering(trx: Knex.Transaction, offering: queries.LockedOffering, userId: number, decidedBy: number | null, skipApproval: boolean) {
    const existing = await queries.findActiveEnrollment(trx, offering.id, userId);
    if (existing) throw new Conflict('enrollment.errors.alreadyEnrolled');
    let status: queries.EnrollmentStatus;
    if (offering.requires_approval && !skipApproval) status = 'pending';
    else status = (await queries.countConfirmed(trx, offering.id)) < offering.capacity ? 'confirmed' : 'waitlisted';
    try {
      const enrollment = await queries.insertEnrollment(trx, { offering_id: offering.id, user_id: userId, status, decided_by: decidedBy });
      const position = status === 'waitlisted' ? await queries.waitlistPosition(trx, enrollment) : null;
      return { enrollment, position };
    } catch (error) {
      if (isUniqueViolation(error, 'enrollments_one_active_per_person')) throw new Conflict('enrollment.errors.alreadyEnrolled');
      throw error;
    }
  }

  async function lockOrNotFound(trx: Knex.Transaction, offeringId: number) {
    const offering = await queries.lockOffering(trx, offeringId);
    if (!offering) throw new NotFound();
    return offering;
  }

  /** The facts a bulk plan needs; pass the transaction holding the offering lock when confirming. */
  async function bulkContext(source: Database | Knex.Transaction, offering: queries.LockedOffering, rows: BulkRow[]): Promise<BulkContext> {
    const contacts = await contactsByEmails(source, rows.map((row) => row.email));
    const statuses = await queries.selectActiveStatuses(source, offering.id, [...contacts.values()].map((contact) => contact.id));
    const people = new Map(
      [...contacts].map(([email, contact]) => [
        email,
        {
          userId: contact.id,
          active: contact.active,
          name: `${contact.firstName} ${contact.lastName}`,
          organisationName: contact.organisationName,
          activeEnrollment: (statuses.get(contact.id) as ActiveStatus | undefined) ?? null,
        },
      ]),
    );
    const organisations = new Map((await activeOrganisations(source)).map((organisation) => [organisationKey(organisation.name), { id: organisation.id, name: organisation.name }]));
    const confirmed = await queries.countConfirmed(source, offering.id);
    return { people, organisations, freeSeats: offering.capacity - confirmed, waitlisted: await queries.countWaitlisted(source, offering.id) };
  }

  async function inTransaction<T>(work: (trx: Knex.Transaction) => Promise<{ result: T; notices: EnrollmentNotice[] }>): Promise<T> {
    const { result, notices } = await db.transaction(work);
    await notify(notices);
    return result;
  }

  return {
    async enroll(user: SessionUser, offeringId: number, actor: Actor): Promise<EnrollOutcome> {
      return inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, offeringId);
        if (offering.status === 'draft') throw new NotFound();
        if (offering.status === 'cancelled') throw new Conflict('enrollment.errors.offeringCancelled');
        const moment = now();
        if (offering.first_session_at && offering.first_session_at <= moment) throw new Conflict('enrollment.errors.offeringStarted');
        if (moment < offering.registration_opens_at) throw new Conflict('enrollment.errors.registrationNotOpen');
        if (moment >= offering.registration_closes_at) throw new Conflict('enrollment.errors.registrationClosed');
        const { enrollment, position } = await placeInOffering(trx, offering, user.id, null, false);
        await recordAudit(trx, actor, { action: 'enrollment.created', subjectType: 'enrollment', subjectId: enrollment.id, after: { offeringId, userId: user.id, status: enrollment.status } });
        const kind = enrollment.status as 'confirmed' | 'waitlisted' | 'pending';
        return {
          result: { enrollmentId: enrollment.id, status: enrollment.status, position },
          notices: [{ kind, userId: user.id, offeringId, offeringTitle: offering.title, position: position ?? undefined }],
        };
      });
    },

    /** Participants cancel their own enrollment until the cancellation deadline (or the first session). */
    async cancelOwn(user: SessionUser, enrollmentId: number, actor: Actor): Promise<void> {
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment || enrollment.user_id !== user.id) throw new NotFound();
      await inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, enrollment.offering_id);
        const current = await queries.findEnrollment(trx, enrollmentId);
        if (!current || !queries.ACTIVE_STATUSES.includes(current.status)) throw new Conflict('enrollment.errors.notActive');
        const deadline = offering.cancellation_deadline ?? offering.first_session_at;
        if (deadline && now() >= deadline) throw new Conflict('enrollment.errors.deadlinePassed');
        return { result: undefined, notices: await cancelLocked(trx, offering, current, actor) };
      });
    },

    // ----- coordinators -----

    async listForOffering(actingUser: SessionUser, offeringId: number) {
      assertCoordinator(actingUser);
      const rows = await queries.selectEnrollmentsOfOffering(db, offeringId);
      const counts = (await queries.selectSeatCounts(db, [offeringId])).get(offeringId) ?? { confirmed: 0, waitlisted: 0, pending: 0 };
      return { rows, counts };
    },

    async decide(actingUser: SessionUser, enrollmentId: number, decision: 'approve' | 'reject', actor: Actor): Promise<queries.EnrollmentStatus> {
      assertCoordinator(actingUser);
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
      assertCoordinator(actingUser);
      const person = await findContactByEmail(db, email);
      if (!person || !person.active) throw new Invalid({ email: 'enrollment.errors.noSuchPerson' });
      return this.enrollPerson(actingUser, offeringId, person.id, actor);
    },

    async enrollPerson(actingUser: SessionUser, offeringId: number, userId: number, actor: Actor): Promise<EnrollOutcome> {
      assertCoordinator(actingUser);
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

    /** What taking over a list would do right now, row by row; saves nothing. */
    async previewBulk(actingUser: SessionUser, offeringId: number, rows: BulkRow[]): Promise<BulkPlan> {
      assertCoordinator(actingUser);
      const offering = await queries.findOffering(db, offeringId);
      if (!offering) throw new NotFound();
      if (offering.status === 'cancelled') throw new Conflict('enrollment.errors.offeringCancelled');
      return planBulkEnrollment(rows, await bulkContext(db, offering, rows));
    },

    /**
     * Takes over a previewed list in one transaction under the offering's lock: invited
     * accounts for new people, then seats or waitlist places in row order, each with its
     * audit entry; mails (invitations included) go out after the commit. A list with
     * errors, or whose plan no longer matches the preview (`expectedFingerprint`), is
     * refused as a whole: nothing is saved.
     */
    async bulkEnroll(actingUser: SessionUser, offeringId: number, rows: BulkRow[], expectedFingerprint: string | null, actor: Actor): Promise<BulkCounts> {
      const draft = await this.previewBulk(actingUser, offeringId, rows);
      // argon2 takes a few milliseconds per hash: do it before taking the lock others wait for.
      const passwordHashes = await Promise.all(draft.rows.filter((row) => row.kind === 'invite').map(() => unusablePasswordHash()));
      try {
        return await inTransaction(async (trx) => {
          const offering = await lockOrNotFound(trx, offeringId);
          if (offering.status === 'cancelled') throw new Conflict('enrollment.errors.offeringCancelled');
          const plan = planBulkEnrollment(rows, await bulkContext(trx, offering, rows));
          if (plan.hasErrors) throw new Invalid({ _form: 'bulk.errors.rowsHaveErrors' });
          if (expectedFingerprint !== null && plan.fingerprint !== expectedFingerprint) throw new Invalid({ _form: 'bulk.errors.previewOutdated' });
          const notices: EnrollmentNotice[] = [];
          for (const row of plan.rows) {
            if (row.kind !== 'invite' && row.kind !== 'enroll') continue;
            let userId: number;
            let invitationToken: string | undefined;
            if (row.kind === 'invite') {
              const invitee = { email: row.email, firstName: row.firstName, lastName: row.lastName, organisationId: row.organisationId, locale: DEFAULT_LOCALE };
              ({ userId, token: invitationToken } = await createInvitedAccount(trx, invitee, passwordHashes.pop() ?? (await unusablePasswordHash()), actor));
            } else {
              userId = row.userId;
            }
            const { enrollment, position } = await placeInOffering(trx, offering, userId, actingUser.id, true);
            // The plan and the placement follow the same rule; if they ever disagree, save nothing.
            if (enrollment.status !== row.placement.status) throw new Error(`bulk enrollment: planned ${row.placement.status}, placed ${enrollment.status}`);
            await recordAudit(trx, actor, {
              action: 'enrollment.created_by_coordinator',
              subjectType: 'enrollment',
              subjectId: enrollment.id,
              after: { offeringId, userId, status: enrollment.status, bulk: true, invited: row.kind === 'invite' },
            });
            const kind = enrollment.status as 'confirmed' | 'waitlisted';
            notices.push({ kind, userId, offeringId, offeringTitle: offering.title, position: position ?? undefined, invitationToken });
          }
          const { counts } = plan;
          await recordAudit(trx, actor, {
            action: 'enrollment.bulk_imported',
            subjectType: 'offering',
            subjectId: offeringId,
            after: { rows: counts.rows, invited: counts.invited, enrolled: counts.enrolled, confirmed: counts.confirmed, waitlisted: counts.waitlisted, alreadyEnrolled: counts.alreadyEnrolled },
          });
          return { result: counts, notices };
        });
      } catch (error) {
        // Someone registered one of the addresses, or enrolled, between our look and our insert.
        if (isUniqueViolation(error, 'users_email_unique') || isUniqueViolation(error, 'enrollments_one_active_per_person')) {
          throw new Invalid({ _form: 'bulk.errors.previewOutdated' });
        }
        throw error;
      }
    },

    async cancelByCoordinator(actingUser: SessionUser, enrollmentId: number, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
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
    async move(actingUser: SessionUser, enrollmentId: number, targetOfferingId: number, actor: Actor): Promise<EnrollOutcome> {
      assertCoordinator(actingUser);
      const enrollment = await queries.findEnrollment(db, enrollmentId);
      if (!enrollment) throw new NotFound();
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
        return {
          result: { enrollmentId: moved.id, status: moved.status, position },
          notices: [{ kind, userId: current.user_id, offeringId: target.id, offeringTitle: target.title, position: position ?? undefined }, ...promoted],
        };
      });
    },

    /** Raising fills seats from the waitlist; lowering below the confirmed count is refused. */
    async changeCapacity(actingUser: SessionUser, offeringId: number, capacity: number, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      await inTransaction(async (trx) => {
        const offering = await lockOrNotFound(trx, offeringId);
        const confirmed = await queries.countConfirmed(trx, offeringId);
        if (capacity < confirmed) throw new Invalid({ capacity: 'enrollment.errors.capacityBelowConfirmed' }, { capacity: { count: confirmed } });
        await trx('offerings').where('id', offeringId).update({ capacity, updated_at: trx.fn.now() });
        await recordAudit(trx, actor, { action: 'offering.capacity_changed', subjectType: 'offering', subjectId: offeringId, before: { capacity: offering.capacity }, after: { capacity } });
        return { result: undefined, notices: await promoteWaitlisted(trx, { ...offering, capacity }, actor) };
      });
    },

    /** Everybody with an active enrollment hears that the offering was cancelled. */
    async notifyOfferingCancelled(offeringId: number, offeringTitle: string): Promise<void> {
      const enrollees = await queries.selectActiveEnrollees(db, offeringId);
      await notify(enrollees.map((row) => ({ kind: 'offeringCancelled' as const, userId: row.user_id, offeringId, offeringTitle })));
    },

    // ----- reading -----

    seatCounts: (offeringIds: number[]) => queries.selectSeatCounts(db, offeringIds),
    activeEnrollment: (offeringId: number, userId: number) => queries.findActiveEnrollment(db, offeringId, userId),
    waitlistPosition: (enrollment: Pick<queries.EnrollmentRow, 'id' | 'offering_id'>) => queries.waitlistPosition(db, enrollment),
    enrollmentsOfUser: (userId: number) => queries.selectEnrollmentsOfUser(db, userId),
    sessionsOfPerson: (userId: number, from: Date) => queries.selectSessionsOfPerson(db, userId, from),
    contactsOf: (userIds: number[]) => contactsOf(db, userIds),
  };

  async function cancelLocked(trx: Knex.Transaction, offering: queries.LockedOffering, enrollment: queries.EnrollmentRow, actor: Actor): Promise<EnrollmentNotice[]> {
    await queries.updateEnrollmentStatus(trx, enrollment.id, 'cancelled', actor.userId);
    await recordAudit(trx, actor, { action: 'enrollment.cancelled', subjectType: 'enrollment', subjectId: enrollment.id, before: { status: enrollment.status }, after: { status: 'cancelled' } });
    const promoted = enrollment.status === 'confirmed' ? await promoteWaitlisted(trx, offering, actor) : [];
    return [{ kind: 'cancelled', userId: enrollment.user_id, offeringId: offering.id, offeringTitle: offering.title }, ...promoted];
  }
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
