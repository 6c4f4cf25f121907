import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { recordAudit, type Actor } from '../audit/audit.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import * as queries from './programmes.queries';
import { selectOfferings } from './offerings.queries';
import type { ModuleInput, ProgrammeInput } from './manage.schemas';

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
    funder_project_title: input.funderProjectTitle ?? '',
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

/**
 * Programmes (Angebote/Reihen) and the modules of a series. Every function checks the
 * acting user itself, so no route can forget it.
 */
export function createProgrammesService(db: Database) {
  return {
    async listProgrammes(actingUser: SessionUser) {
      assertCan(actingUser, 'catalog.manage');
      return queries.selectProgrammes(db);
    },

    /** All programmes (active first is up to the caller), for selects. */
    async listProgrammeChoices(actingUser: SessionUser) {
      assertCan(actingUser, 'catalog.manage');
      return queries.selectProgrammeChoices(db);
    },

    async getProgramme(actingUser: SessionUser, programmeId: number) {
      assertCan(actingUser, 'catalog.manage');
      const programme = await queries.findProgramme(db, programmeId);
      if (!programme) throw new NotFound();
      const [modules, offerings] = await Promise.all([queries.selectModules(db, programmeId), selectOfferings(db, { programmeId })]);
      return { programme, modules, offerings };
    },

    async createProgramme(actingUser: SessionUser, input: ProgrammeInput, actor: Actor): Promise<number> {
      assertCan(actingUser, 'catalog.manage');
      const changes = programmeChanges(input);
      // A new programme has no modules yet; "at least N" can be chosen once they exist.
      assertCompletionRuleFits(changes, 0);
      return inTransaction(db, async (trx) => {
        const id = await queries.insertProgramme(trx, changes);
        await recordAudit(trx, actor, { action: 'programme.created', subjectType: 'programme', subjectId: id, after: changes });
        return id;
      });
    },

    async updateProgramme(actingUser: SessionUser, programmeId: number, input: ProgrammeInput, actor: Actor): Promise<void> {
      assertCan(actingUser, 'catalog.manage');
      const changes = programmeChanges(input);
      await inTransaction(db, async (trx) => {
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
      assertCan(actingUser, 'catalog.manage');
      const [programme, module] = await Promise.all([queries.findProgramme(db, programmeId), queries.findModule(db, programmeId, moduleId)]);
      if (!programme || !module) throw new NotFound();
      return { programme, module };
    },

    /** Appends a module to a series (position n + 1). */
    async addModule(actingUser: SessionUser, programmeId: number, input: ModuleInput, actor: Actor): Promise<number> {
      assertCan(actingUser, 'catalog.manage');
      return inTransaction(db, async (trx) => {
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
      assertCan(actingUser, 'catalog.manage');
      await inTransaction(db, async (trx) => {
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
      assertCan(actingUser, 'catalog.manage');
      await inTransaction(db, async (trx) => {
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
  };
}

export type ProgrammesService = ReturnType<typeof createProgrammesService>;
