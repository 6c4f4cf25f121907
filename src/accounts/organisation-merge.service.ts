import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import { Invalid, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './organisation-merge.queries';
import { findOrganisation, selectOrganisationsWithCounts, type OrganisationRow } from './organisations.queries';
import type { SessionUser } from './roles';

export type MergePreview = { removed: OrganisationRow; kept: OrganisationRow; counts: queries.MemberCounts };

/**
 * Merging a duplicate organisation ("Bergheide, Stadt" into "Stadt Bergheide"): every
 * person moves with their whole history to the organisation kept, and the duplicate is
 * deleted, in one transaction. Only people reference organisations (enrollments,
 * attendance and certificates hang on the person), so report figures by organisation
 * simply add up under the kept name. The duplicate's name and id stay in the audit trail
 * and in organisation_merges: its old address leads to the kept one, its old spelling in a
 * list is matched to it.
 */
export function createOrganisationMerge(db: Database) {
  async function both(removedId: number, keptId: number) {
    if (removedId === keptId) throw new Invalid({ keepId: 'admin.merge.errors.same' });
    const [removed, kept] = await Promise.all([findOrganisation(db, removedId), findOrganisation(db, keptId)]);
    if (!removed) throw new NotFound();
    if (!kept) throw new Invalid({ keepId: 'validation.selectOne' });
    return { removed, kept };
  }

  return {
    /** For an organisation that was merged away: the one kept, where its old address leads. */
    async mergedInto(actingUser: SessionUser, mergedId: number): Promise<number | undefined> {
      assertCan(actingUser, 'organisations.manage');
      return queries.findMergedInto(db, mergedId);
    },

    /** The organisations a duplicate can be merged into: every other one, with their people. */
    async candidates(actingUser: SessionUser, removedId: number) {
      assertCan(actingUser, 'organisations.manage');
      return (await selectOrganisationsWithCounts(db)).filter((organisation) => organisation.id !== removedId);
    },

    async preview(actingUser: SessionUser, removedId: number, keptId: number): Promise<MergePreview> {
      assertCan(actingUser, 'organisations.manage');
      const { removed, kept } = await both(removedId, keptId);
      return { removed, kept, counts: await queries.countMembers(db, removedId) };
    },

    /**
     * `expectedPeople` is what the preview showed: if people joined or left the duplicate
     * since, the merge is refused and the preview shown again with the new figures.
     */
    async merge(actingUser: SessionUser, removedId: number, keptId: number, expectedPeople: number, actor: Actor): Promise<{ removed: string; kept: string; people: number }> {
      assertCan(actingUser, 'organisations.manage');
      if (removedId === keptId) throw new Invalid({ keepId: 'admin.merge.errors.same' });
      return db.transaction(async (trx) => {
        const locked = await queries.lockOrganisations(trx, [removedId, keptId]);
        const removed = locked.find((row) => row.id === removedId);
        const kept = locked.find((row) => row.id === keptId);
        if (!removed) throw new NotFound();
        if (!kept) throw new Invalid({ keepId: 'validation.selectOne' });
        const counts = await queries.countMembers(trx, removedId);
        if (counts.people !== expectedPeople) throw new Invalid({ _form: 'admin.merge.errors.changed' });
        const moved = await queries.moveMembers(trx, removedId, keptId);
        // Before the delete: the duplicate's own earlier duplicates would go with it (on delete cascade).
        await queries.recordMerge(trx, removed, keptId);
        await queries.deleteOrganisation(trx, removedId);
        await recordAudit(trx, actor, {
          action: 'organisation.merged',
          subjectType: 'organisation',
          subjectId: keptId,
          before: { mergedId: removed.id, mergedName: removed.name, keptName: kept.name },
          after: { keptId: kept.id, keptName: kept.name, peopleMoved: moved },
        });
        return { removed: removed.name, kept: kept.name, people: moved };
      });
    },
  };
}

export type OrganisationMerge = ReturnType<typeof createOrganisationMerge>;
