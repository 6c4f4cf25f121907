import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { recordAudit, type Actor } from '../audit/audit.service';
import { Forbidden, Invalid, NotFound } from '../shared/errors';
import * as queries from './organisations.queries';
import type { OrganisationInput } from './accounts.schemas';
import type { SessionUser } from './roles';

function assertMaintainer(user: SessionUser): void {
  if (user.role !== 'coordinator' && user.role !== 'admin') throw new Forbidden();
}

/** Active organisations, for other domains (e.g. matching organisation names in an enrollment list). */
export function activeOrganisations(db: Database) {
  return queries.selectActiveOrganisations(db);
}

/** The list of organisations people register with; maintained by coordinators. */
export function createOrganisationsService(db: Database) {
  return {
    listForRegistration: () => queries.selectActiveOrganisations(db),

    async listAll(actingUser: SessionUser) {
      assertMaintainer(actingUser);
      return queries.selectOrganisationsWithCounts(db);
    },

    async get(actingUser: SessionUser, id: number) {
      assertMaintainer(actingUser);
      const organisation = await queries.findOrganisation(db, id);
      if (!organisation) throw new NotFound();
      return organisation;
    },

    async create(actingUser: SessionUser, input: OrganisationInput, actor: Actor): Promise<number> {
      assertMaintainer(actingUser);
      try {
        return await db.transaction(async (trx) => {
          const id = await queries.insertOrganisation(trx, { name: input.name, kind: input.kind });
          await recordAudit(trx, actor, { action: 'organisation.created', subjectType: 'organisation', subjectId: id, after: { name: input.name, kind: input.kind } });
          return id;
        });
      } catch (error) {
        if (isUniqueViolation(error, 'organisations_name_unique')) throw new Invalid({ name: 'validation.organisationExists' });
        throw error;
      }
    },

    async update(actingUser: SessionUser, id: number, input: OrganisationInput, actor: Actor): Promise<void> {
      assertMaintainer(actingUser);
      try {
        await db.transaction(async (trx) => {
          const before = await queries.findOrganisation(trx, id);
          if (!before) throw new NotFound();
          await queries.updateOrganisation(trx, id, { name: input.name, kind: input.kind, active: input.active });
          await recordAudit(trx, actor, {
            action: 'organisation.updated',
            subjectType: 'organisation',
            subjectId: id,
            before: { name: before.name, kind: before.kind, active: before.active },
            after: { name: input.name, kind: input.kind, active: input.active },
          });
        });
      } catch (error) {
        if (isUniqueViolation(error, 'organisations_name_unique')) throw new Invalid({ name: 'validation.organisationExists' });
        throw error;
      }
    },
  };
}

export type OrganisationsService = ReturnType<typeof createOrganisationsService>;
