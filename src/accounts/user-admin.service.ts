import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import { Conflict, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './accounts.queries';
import type { Role, SessionUser } from './roles';
import { lastPageWindow, pageOf, pageWindow, type Page, type PageWindow } from '../shared/paging';

export const USERS_PER_PAGE = 50;

/** Account administration; every function checks the acting user itself. */
export function createUserAdminService(db: Database) {
  return {
    /** A page of accounts in German name order; a page number past the end shows the last page. */
    async listUsers(actingUser: SessionUser, filter: { search?: string; role?: Role; status?: 'active' | 'inactive'; page: number }): Promise<Page<queries.UserListRow>> {
      assertCan(actingUser, 'accounts.administer');
      const select = (window: PageWindow) =>
        queries.selectUsers(db, { search: filter.search || undefined, role: filter.role, status: filter.status, limit: window.limit, offset: window.offset });
      let window = pageWindow(filter.page, USERS_PER_PAGE);
      let { rows, total } = await select(window);
      const last = rows.length === 0 ? lastPageWindow(total, window) : undefined;
      if (last) {
        window = last;
        ({ rows, total } = await select(window));
      }
      return pageOf(rows, total, window);
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
