import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { recordAudit, type Actor } from '../audit/audit.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import * as queries from './offerings.queries';
import * as listQueries from './offering-list.queries';
import { lastPageWindow, pageOf, pageWindow, type Page } from '../shared/paging';
import type { OfferingPeriod, OfferingStatusChoice } from './catalog.model';
import * as programmeQueries from './programmes.queries';
import { sessionsWithTrainers } from './sessions.service';
import { firstSessionStart, raiseCalendarSequences, raiseCalendarSequencesOfOffering, selectSessionsWithoutOwnLocation } from './sessions.queries';
import { nobodyListens, type SessionsListener } from './sessions.listener';
import { offeringsForSeats, type SeatsListener } from './offering-seats';
import type { NewOfferingInput, OfferingInput } from './manage.schemas';

function offeringChanges(input: OfferingInput): queries.OfferingChanges {
  return {
    title: input.title,
    description: input.description,
    capacity: input.capacity,
    registration_opens_at: input.registrationOpensAt,
    registration_closes_at: input.registrationClosesAt,
    cancellation_deadline: input.cancellationDeadline,
    location: input.location,
    requires_approval: input.requiresApproval,
    ...(input.signInSheetMode ? { sign_in_sheet_mode: input.signInSheetMode } : {}),
  };
}

function assertRegistrationWindow(changes: queries.OfferingChanges): void {
  if (changes.registration_closes_at <= changes.registration_opens_at) throw new Invalid({ registrationClosesAt: 'validation.closesAfterOpens' });
}

/** What the working list's form asks for. */
export type WorkingListChoice = { programmeId?: number; period: OfferingPeriod; status: OfferingStatusChoice; search?: string; page: number; pageSize: number };

export function assertEditable(offering: queries.OfferingRow): void {
  if (offering.status === 'cancelled') throw new Conflict('manage.offerings.errors.cancelledReadOnly');
}

/** Audit snapshots: plain values, no Date objects that serialise differently elsewhere. */
const offeringSnapshot = (offering: queries.OfferingChanges) => ({
  title: offering.title,
  capacity: offering.capacity,
  registrationOpensAt: offering.registration_opens_at.toISOString(),
  registrationClosesAt: offering.registration_closes_at.toISOString(),
  cancellationDeadline: offering.cancellation_deadline?.toISOString() ?? null,
  location: offering.location,
  requiresApproval: offering.requires_approval,
  signInSheetMode: offering.sign_in_sheet_mode,
});

export async function lockOfferingOrNotFound(trx: Knex.Transaction, offeringId: number): Promise<queries.OfferingRow> {
  const offering = await queries.lockOffering(trx, offeringId);
  if (!offering) throw new NotFound();
  return offering;
}

/** Which message a refused capacity shows: each form words it for its own field. */
export type CapacityMessage = 'manage.offerings.errors.capacityBelowConfirmed' | 'enrollment.errors.capacityBelowConfirmed';

/**
 * Offerings (Durchgänge): runs of a programme with seats and a registration window. The
 * catalog is the only writer of the offerings table; every change of seats it makes (a
 * new capacity, a cancellation) is handed, in the same transaction, to the enrollment
 * domain through `seats`, so free seats are filled and people are told.
 */
export function createOfferingsService(db: Database, seats: SeatsListener, sessionsListener: SessionsListener = nobodyListens, now: () => Date = () => new Date()) {
  /*
   * The one path for a new capacity (edit form and capacity form): never below the
   * confirmed seats (checked under the offering lock); a raise fills free seats from the
   * waitlist at once, and the promoted are told.
   */
  async function assertCoversConfirmed(trx: Knex.Transaction, offeringId: number, capacity: number, message: CapacityMessage): Promise<void> {
    const confirmed = await seats.confirmedSeats(trx, offeringId);
    if (capacity < confirmed) throw new Invalid({ capacity: message }, { capacity: { count: confirmed } });
  }

  async function fillFreeSeats(trx: Knex.Transaction, offeringId: number, actor: Actor): Promise<void> {
    const after = await offeringsForSeats.lock(trx, offeringId);
    if (after) await seats.capacityChanged(trx, after, actor);
  }

  /**
   * Sessions without a place of their own are held at the offering's: when that moves, their
   * calendar entries are out of date too (those still to come are announced).
   */
  async function offeringPlaceMoved(trx: Knex.Transaction, offeringId: number, from: string, to: string): Promise<void> {
    const sessions = await selectSessionsWithoutOwnLocation(trx, offeringId);
    if (sessions.length === 0) return;
    await raiseCalendarSequences(
      trx,
      sessions.map((session) => session.id),
    );
    const moment = now();
    const changes = sessions
      .filter((session) => session.ends_at > moment)
      .map((session) => {
        const place = { startsAt: session.starts_at, endsAt: session.ends_at, onlineUrl: session.online_url || null };
        return { sessionId: session.id, before: { ...place, location: from }, after: { ...place, location: to } };
      });
    if (changes.length > 0) await sessionsListener.sessionsRescheduled(trx, offeringId, changes);
  }

  return {
    /**
     * The coordinators' working list, a page at a time: by default what is running or still
     * to come, not cancelled. A page number past the end shows the last page.
     */
    async listOfferings(actingUser: SessionUser, filter: WorkingListChoice): Promise<Page<listQueries.WorkingListRow>> {
      assertCan(actingUser, 'catalog.manage');
      const moment = now();
      const select = (window: { limit: number; offset: number }) =>
        listQueries.selectWorkingListPage(db, { programmeId: filter.programmeId, period: filter.period, status: filter.status, search: filter.search || undefined, now: moment, ...window });
      let window = pageWindow(filter.page, filter.pageSize);
      let rows = await select(window);
      let total = rows[0]?.total ?? 0;
      if (rows.length === 0 && window.page > 1) {
        total = (await select({ limit: 1, offset: 0 }))[0]?.total ?? 0;
        const last = lastPageWindow(total, window);
        if (last) {
          window = last;
          rows = await select(window);
        }
      }
      return pageOf(rows, total, window);
    },

    /** The runs of one programme with their session dates, newest first. */
    async listOfferingsForProgramme(actingUser: SessionUser, programmeId: number) {
      assertCan(actingUser, 'catalog.manage');
      return queries.selectOfferings(db, { programmeId });
    },

    /** An offering with its programme, the programme's modules and the sessions with their trainers. */
    async getOffering(actingUser: SessionUser, offeringId: number) {
      assertCan(actingUser, 'catalog.manage');
      const offering = await queries.findOffering(db, offeringId);
      if (!offering) throw new NotFound();
      const [programme, modules, sessions] = await Promise.all([
        programmeQueries.findProgramme(db, offering.programme_id),
        programmeQueries.selectModules(db, offering.programme_id),
        sessionsWithTrainers(db, offeringId),
      ]);
      if (!programme) throw new NotFound();
      return { offering, programme, modules, sessions };
    },

    async createOffering(actingUser: SessionUser, input: NewOfferingInput, actor: Actor): Promise<number> {
      assertCan(actingUser, 'catalog.manage');
      const changes = offeringChanges(input);
      assertRegistrationWindow(changes);
      return inTransaction(db, async (trx) => {
        const programme = await programmeQueries.findProgramme(trx, input.programmeId);
        if (!programme) throw new Invalid({ programmeId: 'validation.selectOne' });
        if (!programme.active) throw new Invalid({ programmeId: 'manage.offerings.errors.programmeInactive' });
        const id = await queries.insertOffering(trx, { ...changes, programme_id: programme.id });
        await recordAudit(trx, actor, { action: 'offering.created', subjectType: 'offering', subjectId: id, after: { programmeId: programme.id, status: 'draft', ...offeringSnapshot(changes) } });
        return id;
      });
    },

    /**
     * Saves an offering's details. Registration must still close before the first session;
     * the capacity goes through the same path as the capacity form.
     */
    async updateOffering(actingUser: SessionUser, offeringId: number, input: OfferingInput, actor: Actor): Promise<void> {
      assertCan(actingUser, 'catalog.manage');
      const changes = offeringChanges(input);
      assertRegistrationWindow(changes);
      await inTransaction(db, async (trx) => {
        const before = await lockOfferingOrNotFound(trx, offeringId);
        assertEditable(before);
        const firstSession = await firstSessionStart(trx, offeringId);
        if (firstSession && changes.registration_closes_at > firstSession) {
          throw new Invalid({ registrationClosesAt: 'manage.offerings.errors.closesAfterFirstSession' });
        }
        if (changes.capacity < before.capacity) await assertCoversConfirmed(trx, offeringId, changes.capacity, 'manage.offerings.errors.capacityBelowConfirmed');
        await queries.updateOffering(trx, offeringId, changes);
        if (changes.location !== before.location) await offeringPlaceMoved(trx, offeringId, before.location, changes.location);
        await recordAudit(trx, actor, { action: 'offering.updated', subjectType: 'offering', subjectId: offeringId, before: offeringSnapshot(before), after: offeringSnapshot(changes) });
        if (changes.capacity > before.capacity) await fillFreeSeats(trx, offeringId, actor);
      });
    },

    /** The capacity form beside the enrollment list: the same rule and the same waitlist promotion. */
    async changeCapacity(actingUser: SessionUser, offeringId: number, capacity: number, actor: Actor): Promise<void> {
      assertCan(actingUser, 'catalog.manage');
      await inTransaction(db, async (trx) => {
        const before = await lockOfferingOrNotFound(trx, offeringId);
        if (capacity < before.capacity) await assertCoversConfirmed(trx, offeringId, capacity, 'enrollment.errors.capacityBelowConfirmed');
        await queries.updateCapacity(trx, offeringId, capacity);
        await recordAudit(trx, actor, { action: 'offering.capacity_changed', subjectType: 'offering', subjectId: offeringId, before: { capacity: before.capacity }, after: { capacity } });
        if (capacity > before.capacity) await fillFreeSeats(trx, offeringId, actor);
      });
    },

    /** Opens a draft for registration: it needs a session, and registration closing by the first one. */
    async publishOffering(actingUser: SessionUser, offeringId: number, actor: Actor): Promise<void> {
      assertCan(actingUser, 'catalog.manage');
      await inTransaction(db, async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        if (offering.status === 'published') return;
        assertEditable(offering);
        const firstSession = await firstSessionStart(trx, offeringId);
        if (!firstSession) throw new Invalid({ _form: 'manage.offerings.errors.publishWithoutSessions' });
        if (offering.registration_closes_at > firstSession) throw new Invalid({ _form: 'manage.offerings.errors.publishClosesAfterFirstSession' });
        await queries.setOfferingStatus(trx, offeringId, 'published');
        await recordAudit(trx, actor, { action: 'offering.published', subjectType: 'offering', subjectId: offeringId, before: { status: offering.status }, after: { status: 'published' } });
      });
    },

    /** Cancels a run for good: its enrollments end and every person is told, in the same transaction. */
    async cancelOffering(actingUser: SessionUser, offeringId: number, actor: Actor): Promise<void> {
      assertCan(actingUser, 'catalog.manage');
      await inTransaction(db, async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        if (offering.status === 'cancelled') throw new Conflict('manage.offerings.errors.alreadyCancelled');
        await queries.setOfferingStatus(trx, offeringId, 'cancelled');
        // The CANCEL the people with a seat get must outrank every invitation they had (higher SEQUENCE).
        await raiseCalendarSequencesOfOffering(trx, offeringId);
        await recordAudit(trx, actor, { action: 'offering.cancelled', subjectType: 'offering', subjectId: offeringId, before: { status: offering.status }, after: { status: 'cancelled' } });
        const cancelled = await offeringsForSeats.lock(trx, offeringId);
        if (cancelled) await seats.offeringCancelled(trx, cancelled, actor);
      });
    },
  };
}

export type OfferingsService = ReturnType<typeof createOfferingsService>;
