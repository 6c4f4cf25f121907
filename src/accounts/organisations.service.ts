import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { recordAudit, type Actor } from '../audit/audit.service';
import { Invalid, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './organisations.queries';
import { selectMergedNames } from './organisation-merge.queries';
import type { OrganisationInput } from './accounts.schemas';
import type { SessionUser } from './roles';

/** Two organisations never share a name (unique index); the form says so at the name. */
const nameTaken = { organisations_name_unique: () => new Invalid({ name: 'validation.organisationExists' }) };

/** Active organisations, for other domains (e.g. matching organisation names in an enrollment list). */
export function activeOrganisations(db: Database) {
  return queries.selectActiveOrganisations(db);
}

/**
 * Every name a list may use for an active organisation: its own, and the names of duplicates
 * merged into it ("Bergheide, Stadt" still finds "Stadt Bergheide").
 */
export async function organisationNamesForMatching(db: Database): Promise<{ id: number; name: string; matchedName: string }[]> {
  const [active, merged] = await Promise.all([queries.selectActiveOrganisations(db), selectMergedNames(db)]);
  return [...active.map((row) => ({ id: row.id, name: row.name, matchedName: row.name })), ...merged.map((row) => ({ id: row.id, name: row.name, matchedName: row.merged_name }))];
}

/** The list of organisations people register with; maintained by coordinators. */
export function createOrganisationsService(db: Database) {
  return {
    listForRegistration: () => queries.selectActiveOrganisations(db),

    async listAll(actingUser: SessionUser) {
      assertCan(actingUser, 'organisations.manage');
      return queries.selectOrganisationsWithCounts(db);
    },

    async get(actingUser: SessionUser, id: number) {
      assertCan(actingUser, 'organisations.manage');
      const organisation = await queries.findOrganisation(db, id);
      if (!organisation) throw new NotFound();
      return organisation;
    },

    async create(actingUser: SessionUser, input: OrganisationInput, actor: Actor): Promise<number> {
      assertCan(actingUser, 'organisations.manage');
      return inTransaction(
        db,
        async (trx) => {
          const id = await queries.insertOrganisation(trx, { name: input.name, kind: input.kind });
          await recordAudit(trx, actor, { action: 'organisation.created', subjectType: 'organisation', subjectId: id, after: { name: input.name, kind: input.kind } });
          return id;
        },
        nameTaken,
      );
    },

    async update(actingUser: SessionUser, id: number, input: OrganisationInput, actor: Actor): Promise<void> {
      assertCan(actingUser, 'organisations.manage');
      await inTransaction(
        db,
        async (trx) => {
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
        },
        nameTaken,
      );
    },
  };
}

export type OrganisationsService = ReturnType<typeof createOrganisationsService>;
