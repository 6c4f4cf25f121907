import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { recordAudit, type Actor } from '../audit/audit.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { Invalid, NotFound } from '../shared/errors';
import * as queries from './sessions.queries';
import { findOffering, type OfferingRow } from './offerings.queries';
import { findModule, findProgramme, selectModules, type ProgrammeRow } from './programmes.queries';
import { assertEditable, lockOfferingOrNotFound } from './offerings.service';
import type { SessionInput } from './manage.schemas';
import { nobodyListens, placeChanged, type SessionPlace, type SessionsListener } from './sessions.listener';

export type SessionWithTrainers = queries.SessionListRow & { trainers: { id: number; firstName: string; lastName: string }[] };

/** Another session a trainer is already booked for at an overlapping time. */
export type TrainerConflict = {
  trainerName: string;
  sessionId: number;
  offeringId: number;
  offeringTitle: string;
  programmeTitle: string;
  moduleTitle: string | null;
  startsAt: Date;
  endsAt: Date;
};

export type SessionSaved = { sessionId: number; trainerConflicts: TrainerConflict[] };

const sessionSnapshot = (session: queries.SessionChanges, trainerIds: number[]) => ({
  moduleId: session.module_id,
  startsAt: session.starts_at.toISOString(),
  endsAt: session.ends_at.toISOString(),
  location: session.location,
  onlineUrl: session.online_url,
  teachingUnits: session.teaching_units,
  trainerIds,
});

/** Time and place as the calendar shows them: a session without a place of its own has its offering's. */
const placeOf = (session: queries.SessionChanges, offering: OfferingRow): SessionPlace => ({
  startsAt: session.starts_at,
  endsAt: session.ends_at,
  location: session.location || offering.location,
  onlineUrl: session.online_url || null,
});

async function programmeOf(trx: Knex.Transaction, offering: OfferingRow): Promise<ProgrammeRow> {
  const programme = await findProgramme(trx, offering.programme_id);
  if (!programme) throw new NotFound();
  return programme;
}

/** Checks a session against its offering and programme; returns the row to store. */
async function sessionChanges(trx: Knex.Transaction, offering: OfferingRow, input: SessionInput): Promise<queries.SessionChanges> {
  const programme = await programmeOf(trx, offering);
  const errors: Record<string, string> = {};
  let moduleId: number | null = null;
  if (programme.kind === 'series') {
    if (input.moduleId === null) errors.moduleId = 'manage.sessions.errors.moduleRequired';
    else if (!(await findModule(trx, programme.id, input.moduleId))) errors.moduleId = 'validation.selectOne';
    else moduleId = input.moduleId;
  }
  if (input.endsAt <= input.startsAt) errors.endsAt = 'validation.endAfterStart';
  // Registration has to be over before the first session: nobody may join a run that already began.
  if (input.startsAt < offering.registration_closes_at) errors.startsAt = 'manage.sessions.errors.startsBeforeRegistrationCloses';
  if (input.trainerIds.length > 0) {
    const trainerIds = new Set((await queries.selectTrainers(trx)).map((trainer) => trainer.id));
    if (input.trainerIds.some((id) => !trainerIds.has(id))) errors.trainerIds = 'validation.selectOne';
  }
  if (Object.keys(errors).length > 0) throw new Invalid(errors);
  return { module_id: moduleId, starts_at: input.startsAt, ends_at: input.endsAt, location: input.location, online_url: input.onlineUrl, teaching_units: input.teachingUnits };
}

async function trainerConflicts(trx: Knex.Transaction, sessionId: number, session: queries.SessionChanges, trainerIds: number[]): Promise<TrainerConflict[]> {
  const bookings = await queries.selectOverlappingTrainerBookings(trx, trainerIds, session.starts_at, session.ends_at, sessionId);
  return bookings.map((booking) => ({
    trainerName: `${booking.first_name} ${booking.last_name}`,
    sessionId: booking.session_id,
    offeringId: booking.offering_id,
    offeringTitle: booking.offering_title,
    programmeTitle: booking.programme_title,
    moduleTitle: booking.module_title,
    startsAt: booking.starts_at,
    endsAt: booking.ends_at,
  }));
}

/** An offering's sessions, each with its trainers (two queries, whatever the number of sessions). */
export async function sessionsWithTrainers(db: Database, offeringId: number): Promise<SessionWithTrainers[]> {
  const sessions = await queries.selectSessions(db, offeringId);
  const trainers = await queries.selectTrainersOfSessions(
    db,
    sessions.map((session) => session.id),
  );
  return sessions.map((session) => ({
    ...session,
    trainers: trainers
      .filter((trainer) => trainer.session_id === session.id)
      .map((trainer) => ({ id: trainer.user_id, firstName: trainer.first_name, lastName: trainer.last_name })),
  }));
}

/**
 * Sessions (Termine) of an offering with their trainers. A change of time, place or online
 * link, and a deleted session, raise the session's calendar_sequence and reach the people
 * holding a seat through `listener` in the same transaction (update or CANCEL invitations).
 */
export function createSessionsService(db: Database, listener: SessionsListener = nobodyListens, now: () => Date = () => new Date()) {
  return {
    async listTrainers(actingUser: SessionUser) {
      assertCan(actingUser, 'catalog.manage');
      return queries.selectTrainers(db);
    },

    async getSession(actingUser: SessionUser, offeringId: number, sessionId: number) {
      assertCan(actingUser, 'catalog.manage');
      const offering = await findOffering(db, offeringId);
      const session = await queries.findSession(db, offeringId, sessionId);
      if (!offering || !session) throw new NotFound();
      const [programme, modules, trainerIds] = await Promise.all([
        findProgramme(db, offering.programme_id),
        selectModules(db, offering.programme_id),
        queries.selectTrainerIdsOfSession(db, sessionId),
      ]);
      if (!programme) throw new NotFound();
      return { offering, programme, modules, session, trainerIds };
    },

    /** The confirmation page before deleting a session: whom its cancellation will reach. */
    async sessionToDelete(actingUser: SessionUser, offeringId: number, sessionId: number) {
      assertCan(actingUser, 'catalog.manage');
      const [offering, session] = await Promise.all([findOffering(db, offeringId), queries.findSession(db, offeringId, sessionId)]);
      if (!offering || !session) throw new NotFound();
      assertEditable(offering);
      const peopleWithSeat = session.ends_at > now() ? await queries.countConfirmedSeats(db, offeringId) : 0;
      return { offering, session, peopleWithSeat };
    },

    /** Adds a session; trainers booked elsewhere at the same time are reported, not refused. */
    async addSession(actingUser: SessionUser, offeringId: number, input: SessionInput, actor: Actor): Promise<SessionSaved> {
      assertCan(actingUser, 'catalog.manage');
      return inTransaction(db, async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        assertEditable(offering);
        const changes = await sessionChanges(trx, offering, input);
        const sessionId = await queries.insertSession(trx, offeringId, changes);
        await queries.replaceSessionTrainers(trx, sessionId, input.trainerIds);
        await recordAudit(trx, actor, { action: 'session.created', subjectType: 'session', subjectId: sessionId, after: { offeringId, ...sessionSnapshot(changes, input.trainerIds) } });
        return { sessionId, trainerConflicts: await trainerConflicts(trx, sessionId, changes, input.trainerIds) };
      });
    },

    async updateSession(actingUser: SessionUser, offeringId: number, sessionId: number, input: SessionInput, actor: Actor): Promise<SessionSaved> {
      assertCan(actingUser, 'catalog.manage');
      return inTransaction(db, async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        const before = await queries.findSession(trx, offeringId, sessionId);
        if (!before) throw new NotFound();
        assertEditable(offering);
        const changes = await sessionChanges(trx, offering, input);
        const trainersBefore = await queries.selectTrainerIdsOfSession(trx, sessionId);
        await queries.updateSession(trx, sessionId, changes);
        await queries.replaceSessionTrainers(trx, sessionId, input.trainerIds);
        const [placeBefore, placeAfter] = [placeOf(before, offering), placeOf(changes, offering)];
        if (placeChanged(placeBefore, placeAfter)) {
          await queries.raiseCalendarSequences(trx, [sessionId]);
          // Correcting the record of a session long over is no news for anybody's calendar.
          const moment = now();
          if (placeBefore.endsAt > moment || placeAfter.endsAt > moment) {
            await listener.sessionsRescheduled(trx, offeringId, [{ sessionId, before: placeBefore, after: placeAfter }]);
          }
        }
        await recordAudit(trx, actor, {
          action: 'session.updated',
          subjectType: 'session',
          subjectId: sessionId,
          before: sessionSnapshot(before, trainersBefore),
          after: sessionSnapshot(changes, input.trainerIds),
        });
        return { sessionId, trainerConflicts: await trainerConflicts(trx, sessionId, changes, input.trainerIds) };
      });
    },

    /** A published run keeps at least one session (it was published because it had one). */
    async deleteSession(actingUser: SessionUser, offeringId: number, sessionId: number, actor: Actor): Promise<void> {
      assertCan(actingUser, 'catalog.manage');
      await inTransaction(db, async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        const session = await queries.findSession(trx, offeringId, sessionId);
        if (!session) throw new NotFound();
        assertEditable(offering);
        if (offering.status === 'published' && (await queries.countSessions(trx, offeringId)) <= 1) {
          throw new Invalid({ _form: 'manage.sessions.errors.lastSessionOfPublished' });
        }
        const trainerIds = await queries.selectTrainerIdsOfSession(trx, sessionId);
        // Deleting is how a single session is called off: calendars get a CANCEL while the row is still there to describe it.
        await queries.raiseCalendarSequences(trx, [sessionId]);
        if (session.ends_at > now()) await listener.sessionCancelled(trx, offeringId, sessionId);
        await queries.deleteSession(trx, sessionId);
        await recordAudit(trx, actor, { action: 'session.deleted', subjectType: 'session', subjectId: sessionId, before: { offeringId, ...sessionSnapshot(session, trainerIds) } });
      });
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
