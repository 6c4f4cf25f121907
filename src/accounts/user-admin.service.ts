import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import { Conflict, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './accounts.queries';
import type { Role, SessionUser } from './roles';

export const USERS_PER_PAGE = 50;

/** Account administration; every function checks the acting user itself. */
export function createUserAdminService(db: Database) {
  return {
    async listUsers(actingUser: SessionUser, filter: { search?: string; role?: Role; status?: 'active' | 'inactive'; page: number }) {
      assertCan(actingUser, 'accounts.administer');
      const { rows, total } = await queries.selectUsers(db, {
        search: filter.search || undefined,
        role: filter.role,
        status: filter.status,
        limit: USERS_PER_PAGE,
        offset: (filter.page - 1) * USERS_PER_PAGE,
      });
      return { rows, total, page: filter.page, pageCount: Math.max(1, Math.ceil(total / USERS_PER_PAGE)) };
    },

    async getUser(actingUser: SessionUser, userId: number) {
      assertCan(actingUser, 'accounts.administer');
      const user = await queries.findUserById(db, userId);
      if (!user) throw new NotFound();
      return user;
    },

    async changeRole(actingUser: SessionUser, userId: number, role: Role, actor: Actor): Promise<void> {
      assertCan(actingUser, 'accounts.administer');
      // An admin can't demote themselves: the last admin would lock everybody out.
      if (userId === actingUser.id && role !== 'admin') throw new Conflict('accounts.admin.cannotChangeOwnRole');
      await db.transaction(async (trx) => {
        const user = await queries.findUserById(trx, userId);
        if (!user) throw new NotFound();
        if (user.role === role) return;
        await queries.updateUser(trx, userId, { role });
        await recordAudit(trx, actor, { action: 'user.role_changed', subjectType: 'user', subjectId: userId, before: { role: user.role }, after: { role } });
      });
    },

    /** Deactivation ends the person's sessions at once; their data stays for the records. */
    async setActive(actingUser: SessionUser, userId: number, active: boolean, actor: Actor): Promise<void> {
      assertCan(actingUser, 'accounts.administer');
      if (userId === actingUser.id && !active) throw new Conflict('accounts.admin.cannotDeactivateSelf');
      await db.transaction(async (trx) => {
        const user = await queries.findUserById(trx, userId);
        if (!user) throw new NotFound();
        if (user.active === active) return;
        await queries.updateUser(trx, userId, { active });
        if (!active) await queries.deleteSessionsOfUser(trx, userId);
        await recordAudit(trx, actor, {
          action: active ? 'user.reactivated' : 'user.deactivated',
          subjectType: 'user',
          subjectId: userId,
          before: { active: user.active },
          after: { active },
        });
      });
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;
