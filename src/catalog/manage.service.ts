import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { isCheckViolation } from '../db/errors';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { SessionUser } from '../accounts/roles';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors';
import * as queries from './manage.queries';
import type { ModuleInput, NewOfferingInput, OfferingInput, ProgrammeInput, SessionInput } from './manage.schemas';

function assertCoordinator(user: SessionUser): void {
  if (user.role !== 'coordinator' && user.role !== 'admin') throw new Forbidden();
}

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

/** What the programme row stores for the form's answers: the completion rule only applies to a series. */
function programmeChanges(input: ProgrammeInput): queries.ProgrammeChanges {
  const minimum = input.kind === 'series' && input.completionRule === 'min';
  return {
    kind: input.kind,
    title: input.title,
    description: input.description,
    target_group: input.targetGroup,
    certificate_kind: input.certificateKind,
    completion_rule: minimum ? 'min' : 'all',
    completion_min_modules: minimum ? input.completionMinModules : null,
    active: input.active,
  };
}

/** "At least N modules" needs N between 1 and the number of modules the series has. */
function assertCompletionRuleFits(changes: queries.ProgrammeChanges, moduleCount: number): void {
  if (changes.completion_rule !== 'min') return;
  if (moduleCount === 0) throw new Invalid({ completionMinModules: 'manage.programmes.errors.minModulesWithoutModules' });
  const minimum = changes.completion_min_modules ?? 0;
  if (minimum < 1 || minimum > moduleCount) {
    throw new Invalid({ completionMinModules: 'manage.programmes.errors.minModulesRange' }, { completionMinModules: { max: moduleCount } });
  }
}

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
  };
}

function assertRegistrationWindow(changes: queries.OfferingChanges): void {
  if (changes.registration_closes_at <= changes.registration_opens_at) throw new Invalid({ registrationClosesAt: 'validation.closesAfterOpens' });
}

function assertEditable(offering: queries.OfferingRow): void {
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
});

const sessionSnapshot = (session: queries.SessionChanges, trainerIds: number[]) => ({
  moduleId: session.module_id,
  startsAt: session.starts_at.toISOString(),
  endsAt: session.ends_at.toISOString(),
  location: session.location,
  onlineUrl: session.online_url,
  trainerIds,
});

/**
 * Coordinators set up the programme: programmes with their modules, offerings (runs with
 * seats and a registration window) and their sessions with trainers. Every function checks
 * the acting user itself, so no route can forget it.
 */
export function createManageCatalogService(db: Database) {
  async function lockOfferingOrNotFound(trx: Knex.Transaction, offeringId: number): Promise<queries.OfferingRow> {
    const offering = await queries.lockOffering(trx, offeringId);
    if (!offering) throw new NotFound();
    return offering;
  }

  async function programmeOf(trx: Knex.Transaction, offering: queries.OfferingRow): Promise<queries.ProgrammeRow> {
    const programme = await queries.findProgramme(trx, offering.programme_id);
    if (!programme) throw new NotFound();
    return programme;
  }

  /** Checks a session against its offering and programme; returns the row to store. */
  async function sessionChanges(trx: Knex.Transaction, offering: queries.OfferingRow, input: SessionInput): Promise<queries.SessionChanges> {
    const programme = await programmeOf(trx, offering);
    const errors: Record<string, string> = {};
    let moduleId: number | null = null;
    if (programme.kind === 'series') {
      if (input.moduleId === null) errors.moduleId = 'manage.sessions.errors.moduleRequired';
      else if (!(await queries.findModule(trx, programme.id, input.moduleId))) errors.moduleId = 'validation.selectOne';
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
    return { module_id: moduleId, starts_at: input.startsAt, ends_at: input.endsAt, location: input.location, online_url: input.onlineUrl };
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

  async function sessionsWithTrainers(offeringId: number): Promise<SessionWithTrainers[]> {
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

  return {
    // ----- programmes -----

    async listProgrammes(actingUser: SessionUser) {
      assertCoordinator(actingUser);
      return queries.selectProgrammes(db);
    },

    /** All programmes (active first is up to the caller), for selects. */
    async listProgrammeChoices(actingUser: SessionUser) {
      assertCoordinator(actingUser);
      return queries.selectProgrammeChoices(db);
    },

    async getProgramme(actingUser: SessionUser, programmeId: number) {
      assertCoordinator(actingUser);
      const programme = await queries.findProgramme(db, programmeId);
      if (!programme) throw new NotFound();
      const [modules, offerings] = await Promise.all([queries.selectModules(db, programmeId), queries.selectOfferings(db, { programmeId })]);
      return { programme, modules, offerings };
    },

    async createProgramme(actingUser: SessionUser, input: ProgrammeInput, actor: Actor): Promise<number> {
      assertCoordinator(actingUser);
      const changes = programmeChanges(input);
      // A new programme has no modules yet; "at least N" can be chosen once they exist.
      assertCompletionRuleFits(changes, 0);
      return db.transaction(async (trx) => {
        const id = await queries.insertProgramme(trx, changes);
        await recordAudit(trx, actor, { action: 'programme.created', subjectType: 'programme', subjectId: id, after: changes });
        return id;
      });
    },

    async updateProgramme(actingUser: SessionUser, programmeId: number, input: ProgrammeInput, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      const changes = programmeChanges(input);
      await db.transaction(async (trx) => {
        const before = await queries.lockProgramme(trx, programmeId);
        if (!before) throw new NotFound();
        const moduleCount = await queries.countModules(trx, programmeId);
        if (changes.kind !== before.kind) {
          // Sessions of a series carry a module, those of a workshop or event don't: the kind is fixed once runs exist.
          if ((await queries.countOfferingsOfProgramme(trx, programmeId)) > 0) throw new Invalid({ kind: 'manage.programmes.errors.kindLockedByOfferings' });
          if (moduleCount > 0) throw new Invalid({ kind: 'manage.programmes.errors.kindLockedByModules' });
        }
        assertCompletionRuleFits(changes, moduleCount);
        await queries.updateProgramme(trx, programmeId, changes);
        await recordAudit(trx, actor, { action: 'programme.updated', subjectType: 'programme', subjectId: programmeId, before, after: changes });
      });
    },

    // ----- modules -----

    async getModule(actingUser: SessionUser, programmeId: number, moduleId: number) {
      assertCoordinator(actingUser);
      const [programme, module] = await Promise.all([queries.findProgramme(db, programmeId), queries.findModule(db, programmeId, moduleId)]);
      if (!programme || !module) throw new NotFound();
      return { programme, module };
    },

    /** Appends a module to a series (position n + 1). */
    async addModule(actingUser: SessionUser, programmeId: number, input: ModuleInput, actor: Actor): Promise<number> {
      assertCoordinator(actingUser);
      return db.transaction(async (trx) => {
        const programme = await queries.lockProgramme(trx, programmeId);
        if (!programme) throw new NotFound();
        if (programme.kind !== 'series') throw new Conflict('manage.modules.errors.onlySeries');
        const module = await queries.insertModule(trx, programmeId, { title: input.title, description: input.description, teaching_units: input.teachingUnits });
        await recordAudit(trx, actor, {
          action: 'module.created',
          subjectType: 'module',
          subjectId: module.id,
          after: { programmeId, position: module.position, title: module.title, teachingUnits: module.teaching_units },
        });
        return module.id;
      });
    },

    async updateModule(actingUser: SessionUser, programmeId: number, moduleId: number, input: ModuleInput, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      await db.transaction(async (trx) => {
        const before = await queries.findModule(trx, programmeId, moduleId);
        if (!before) throw new NotFound();
        const changes = { title: input.title, description: input.description, teaching_units: input.teachingUnits };
        await queries.updateModule(trx, moduleId, changes);
        await recordAudit(trx, actor, {
          action: 'module.updated',
          subjectType: 'module',
          subjectId: moduleId,
          before: { title: before.title, description: before.description, teachingUnits: before.teaching_units },
          after: { title: changes.title, description: changes.description, teachingUnits: changes.teaching_units },
        });
      });
    },

    /**
     * Swaps a module with its neighbour. Positions stay 1..n and unique: the module is
     * parked behind the last position first (the check constraint rules out negative
     * positions, the unique constraint a direct swap), all in one transaction.
     */
    async moveModule(actingUser: SessionUser, programmeId: number, moduleId: number, direction: 'up' | 'down', actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      await db.transaction(async (trx) => {
        if (!(await queries.lockProgramme(trx, programmeId))) throw new NotFound();
        const modules = await queries.selectModules(trx, programmeId);
        const index = modules.findIndex((module) => module.id === moduleId);
        const moving = modules[index];
        if (!moving) throw new NotFound();
        const neighbour = modules[direction === 'up' ? index - 1 : index + 1];
        if (!neighbour) return;
        const parking = Math.max(...modules.map((module) => module.position)) + 1;
        await queries.setModulePosition(trx, moving.id, parking);
        await queries.setModulePosition(trx, neighbour.id, moving.position);
        await queries.setModulePosition(trx, moving.id, neighbour.position);
        await recordAudit(trx, actor, {
          action: 'module.moved',
          subjectType: 'module',
          subjectId: moving.id,
          before: { position: moving.position },
          after: { position: neighbour.position, swappedWith: neighbour.id },
        });
      });
    },

    // ----- offerings -----

    async listOfferings(actingUser: SessionUser, filter: queries.OfferingFilter) {
      assertCoordinator(actingUser);
      return queries.selectOfferings(db, filter);
    },

    /** The runs of one programme with their session dates, newest first. */
    async listOfferingsForProgramme(actingUser: SessionUser, programmeId: number) {
      assertCoordinator(actingUser);
      return queries.selectOfferings(db, { programmeId });
    },

    /** An offering with its programme, the programme's modules and the sessions with their trainers. */
    async getOffering(actingUser: SessionUser, offeringId: number) {
      assertCoordinator(actingUser);
      const offering = await queries.findOffering(db, offeringId);
      if (!offering) throw new NotFound();
      const [programme, modules, sessions] = await Promise.all([
        queries.findProgramme(db, offering.programme_id),
        queries.selectModules(db, offering.programme_id),
        sessionsWithTrainers(offeringId),
      ]);
      if (!programme) throw new NotFound();
      return { offering, programme, modules, sessions };
    },

    async createOffering(actingUser: SessionUser, input: NewOfferingInput, actor: Actor): Promise<number> {
      assertCoordinator(actingUser);
      const changes = offeringChanges(input);
      assertRegistrationWindow(changes);
      return db.transaction(async (trx) => {
        const programme = await queries.findProgramme(trx, input.programmeId);
        if (!programme) throw new Invalid({ programmeId: 'validation.selectOne' });
        if (!programme.active) throw new Invalid({ programmeId: 'manage.offerings.errors.programmeInactive' });
        const id = await queries.insertOffering(trx, { ...changes, programme_id: programme.id });
        await recordAudit(trx, actor, {
          action: 'offering.created',
          subjectType: 'offering',
          subjectId: id,
          after: { programmeId: programme.id, status: 'draft', ...offeringSnapshot(changes) },
        });
        return id;
      });
    },

    /**
     * Saves an offering's details. Registration must still close before the first session;
     * lowering the seats below the confirmed enrollments is refused (by a trigger, which
     * also covers enrollments confirmed while the form was open).
     */
    async updateOffering(actingUser: SessionUser, offeringId: number, input: OfferingInput, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      const changes = offeringChanges(input);
      assertRegistrationWindow(changes);
      try {
        await db.transaction(async (trx) => {
          const before = await lockOfferingOrNotFound(trx, offeringId);
          assertEditable(before);
          const firstSession = await queries.firstSessionStart(trx, offeringId);
          if (firstSession && changes.registration_closes_at > firstSession) {
            throw new Invalid({ registrationClosesAt: 'manage.offerings.errors.closesAfterFirstSession' });
          }
          await queries.updateOffering(trx, offeringId, changes);
          await recordAudit(trx, actor, {
            action: 'offering.updated',
            subjectType: 'offering',
            subjectId: offeringId,
            before: offeringSnapshot(before),
            after: offeringSnapshot(changes),
          });
        });
      } catch (error) {
        if (isCheckViolation(error, 'offerings_capacity_covers_confirmed')) {
          const confirmed = await queries.countConfirmedEnrollments(db, offeringId);
          throw new Invalid({ capacity: 'manage.offerings.errors.capacityBelowConfirmed' }, { capacity: { count: confirmed } });
        }
        throw error;
      }
    },

    /** Opens a draft for registration: it needs a session, and registration closing by the first one. */
    async publishOffering(actingUser: SessionUser, offeringId: number, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      await db.transaction(async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        if (offering.status === 'published') return;
        assertEditable(offering);
        const firstSession = await queries.firstSessionStart(trx, offeringId);
        if (!firstSession) throw new Invalid({ _form: 'manage.offerings.errors.publishWithoutSessions' });
        if (offering.registration_closes_at > firstSession) throw new Invalid({ _form: 'manage.offerings.errors.publishClosesAfterFirstSession' });
        await queries.setOfferingStatus(trx, offeringId, 'published');
        await recordAudit(trx, actor, { action: 'offering.published', subjectType: 'offering', subjectId: offeringId, before: { status: offering.status }, after: { status: 'published' } });
      });
    },

    /** Cancels a run for good. Enrollments stay as they are; informing people is the enrollment domain's job. */
    async cancelOffering(actingUser: SessionUser, offeringId: number, actor: Actor): Promise<void> {
      assertCoordinator(actingUser);
      await db.transaction(async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        if (offering.status === 'cancelled') throw new Conflict('manage.offerings.errors.alreadyCancelled');
        await queries.setOfferingStatus(trx, offeringId, 'cancelled');
        await recordAudit(trx, actor, { action: 'offering.cancelled', subjectType: 'offering', subjectId: offeringId, before: { status: offering.status }, after: { status: 'cancelled' } });
      });
    },

    // ----- sessions -----

    async listTrainers(actingUser: SessionUser) {
      assertCoordinator(actingUser);
      return queries.selectTrainers(db);
    },

    async getSession(actingUser: SessionUser, offeringId: number, sessionId: number) {
      assertCoordinator(actingUser);
      const offering = await queries.findOffering(db, offeringId);
      const session = await queries.findSession(db, offeringId, sessionId);
      if (!offering || !session) throw new NotFound();
      const [programme, modules, trainerIds] = await Promise.all([
        queries.findProgramme(db, offering.programme_id),
        queries.selectModules(db, offering.programme_id),
        queries.selectTrainerIdsOfSession(db, sessionId),
      ]);
      if (!programme) throw new NotFound();
      return { offering, programme, modules, session, trainerIds };
    },

    /** Adds a session; trainers booked elsewhere at the same time are reported, not refused. */
    async addSession(actingUser: SessionUser, offeringId: number, input: SessionInput, actor: Actor): Promise<SessionSaved> {
      assertCoordinator(actingUser);
      return db.transaction(async (trx) => {
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
      assertCoordinator(actingUser);
      return db.transaction(async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        const before = await queries.findSession(trx, offeringId, sessionId);
        if (!before) throw new NotFound();
        assertEditable(offering);
        const changes = await sessionChanges(trx, offering, input);
        const trainersBefore = await queries.selectTrainerIdsOfSession(trx, sessionId);
        await queries.updateSession(trx, sessionId, changes);
        await queries.replaceSessionTrainers(trx, sessionId, input.trainerIds);
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
      assertCoordinator(actingUser);
      await db.transaction(async (trx) => {
        const offering = await lockOfferingOrNotFound(trx, offeringId);
        const session = await queries.findSession(trx, offeringId, sessionId);
        if (!session) throw new NotFound();
        assertEditable(offering);
        if (offering.status === 'published' && (await queries.countSessions(trx, offeringId)) <= 1) {
          throw new Invalid({ _form: 'manage.sessions.errors.lastSessionOfPublished' });
        }
        const trainerIds = await queries.selectTrainerIdsOfSession(trx, sessionId);
        await queries.deleteSession(trx, sessionId);
        await recordAudit(trx, actor, { action: 'session.deleted', subjectType: 'session', subjectId: sessionId, before: { offeringId, ...sessionSnapshot(session, trainerIds) } });
      });
    },
  };
}

export type ManageCatalogService = ReturnType<typeof createManageCatalogService>;
