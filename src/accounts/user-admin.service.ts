import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { Outbox } from '../mail/outbox.service';
import { Conflict, Forbidden, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './accounts.queries';
import * as adminQueries from './admin.queries';
import type { Role, SessionUser } from './roles';
import { newSecretToken } from './tokens';
import { lastPageWindow, pageOf, pageWindow, type Page, type PageWindow } from '../shared/paging';

export const USERS_PER_PAGE = 50;

export type UserAdminDeps = { db: Database; outbox: Outbox; config: Config };

/**
 * Takes the admin locks, checks the acting admin is still one (another admin may have
 * deactivated or demoted them a moment ago), then locks and returns the target account.
 */
async function lockForAdminChange(trx: Knex.Transaction, actingUser: SessionUser, userId: number): Promise<{ user: queries.UserRow; admins: number[] }> {
  const admins = await adminQueries.lockActiveAdmins(trx);
  if (!admins.includes(actingUser.id)) throw new Forbidden();
  const user = await adminQueries.lockUser(trx, userId);
  if (!user) throw new NotFound();
  return { user, admins };
}

/** Whether a change would leave nobody to administer the platform. */
function assertAdminRemains(admins: number[], target: queries.UserRow, staysAdmin: boolean): void {
  if (admins.includes(target.id) && !staysAdmin && admins.length <= 1) throw new Conflict('admin.users.lastAdmin');
}

/** Account administration; every function checks the acting user itself. */
export function createUserAdminService({ db, outbox, config }: UserAdminDeps) {
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
      // An invited person who never set a password can be sent a new link.
      const invitationOpen = !user.email_verified_at && user.active && (await adminQueries.wasInvited(db, userId));
      return { ...user, invitationOpen };
    },

    /** The last active admin keeps the role, also when two admins demote each other at once. */
    async changeRole(actingUser: SessionUser, userId: number, role: Role, actor: Actor): Promise<void> {
      assertCan(actingUser, 'accounts.administer');
      // An admin can't demote themselves: the last admin would lock everybody out.
      if (userId === actingUser.id && role !== 'admin') throw new Conflict('accounts.admin.cannotChangeOwnRole');
      await db.transaction(async (trx) => {
        const { user, admins } = await lockForAdminChange(trx, actingUser, userId);
        assertAdminRemains(admins, user, role === 'admin');
        if (user.role === role) return;
        await queries.updateUser(trx, userId, { role });
        await recordAudit(trx, actor, { action: 'user.role_changed', subjectType: 'user', subjectId: userId, before: { role: user.role }, after: { role } });
      });
    },

    /**
     * Deactivation ends the person's sessions at once (their next request is a logged-out
     * one); their data stays for the records. Nobody deactivates themself or the last admin.
     */
    async setActive(actingUser: SessionUser, userId: number, active: boolean, actor: Actor): Promise<void> {
      assertCan(actingUser, 'accounts.administer');
      if (userId === actingUser.id && !active) throw new Conflict('accounts.admin.cannotDeactivateSelf');
      await db.transaction(async (trx) => {
        const { user, admins } = await lockForAdminChange(trx, actingUser, userId);
        assertAdminRemains(admins, user, active);
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

    /**
     * Sends the person the same reset mail "Passwort vergessen?" would (e.g. when they call
     * the office); the admin never sees the link. Earlier reset links stop working.
     */
    async triggerPasswordReset(actingUser: SessionUser, userId: number, actor: Actor): Promise<string> {
      assertCan(actingUser, 'accounts.administer');
      return db.transaction(async (trx) => {
        const user = await adminQueries.lockUser(trx, userId);
        if (!user) throw new NotFound();
        if (!user.active) throw new Conflict('admin.users.resetInactive');
        await queries.expireAccountTokens(trx, userId, ['password_reset']);
        const { token, tokenHash } = newSecretToken();
        await queries.insertAccountToken(trx, {
          user_id: userId,
          purpose: 'password_reset',
          token_hash: tokenHash,
          expires_at: new Date(Date.now() + config.passwordResetTtlMinutes * 60 * 1000),
        });
        await recordAudit(trx, actor, { action: 'password_reset.triggered_by_admin', subjectType: 'user', subjectId: userId });
        const mail = await composeMail(user.email, user.locale, {
          key: 'admin.mail.passwordReset',
          // Only a proven address is greeted by name, as in every mail to a self-registered account.
          params: { name: user.email_verified_at ? greetingNameOf({ firstName: user.first_name, lastName: user.last_name }) : undefined, minutes: config.passwordResetTtlMinutes, region: config.region.name },
          actionUrl: `${config.baseUrl}/password/reset/${token}`,
        });
        await outbox.queue(trx, [mail]);
        return user.email;
      });
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;
