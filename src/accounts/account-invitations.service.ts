import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { recordAudit, type Actor } from '../audit/audit.service';
import { composeMail } from '../mail/compose';
import type { Outbox } from '../mail/outbox.service';
import { translatorFor, type Locale } from '../i18n/i18n';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './accounts.queries';
import * as adminQueries from './admin.queries';
import { contactsByEmails } from './contacts.service';
import { organisationNamesForMatching } from './organisations.service';
import { findOrganisation } from './organisations.queries';
import { createInvitedAccount, insertInvitationToken, INVITATION_TTL_DAYS, unusablePasswordHash } from './invitations.service';
import { planInvitations, type InvitationPlan, type InvitationRow } from './account-invitations.plan';
import { organisationKey } from '../enrollment/bulk-plan';
import type { Role, SessionUser } from './roles';

export type SingleInvitation = { firstName: string; lastName: string; email: string; organisationId: number; role: Role; locale: Locale };

/** Someone registered or was invited with one of the addresses between the preview and the confirmation. */
const previewOutdated = () => new Invalid({ _form: 'admin.invitations.errors.previewOutdated' });

/**
 * The administration invites people: one by one or from a list with a preview. Each
 * invited account gets a single-use activation link valid for INVITATION_TTL_DAYS; the
 * mail is queued in the transaction that creates the account.
 */
export function createAccountInvitations({ db, outbox, config }: { db: Database; outbox: Outbox; config: Config }) {
  async function queueInvitationMail(trx: Knex.Transaction, invitee: { email: string; firstName: string; lastName: string; locale: Locale; role: Role }, token: string) {
    const mail = await composeMail(invitee.email, invitee.locale, {
      key: 'admin.mail.invitation',
      // The admin typed the name for a colleague, so the greeting may use it (unlike a self-registration).
      params: { name: `${invitee.firstName} ${invitee.lastName}`, days: INVITATION_TTL_DAYS, region: config.region.name, role: translatorFor(invitee.locale)(`common.roles.${invitee.role}`) },
      actionUrl: `${config.baseUrl}/invitation/${token}`,
    });
    await outbox.queue(trx, [mail]);
  }

  async function planFor(source: Database | Knex.Transaction, rows: InvitationRow[]): Promise<InvitationPlan> {
    const contacts = await contactsByEmails(source, rows.map((row) => row.email));
    const accounts = new Map([...contacts].map(([email, contact]) => [email, { userId: contact.id, name: `${contact.firstName} ${contact.lastName}` }]));
    // An organisation's own name wins over an old name of a merged duplicate.
    const names = await organisationNamesForMatching(source);
    const organisations = new Map(names.reverse().map((organisation) => [organisationKey(organisation.matchedName), { id: organisation.id, name: organisation.name }]));
    return planInvitations(rows, { accounts, organisations });
  }

  return {
    async invite(actingUser: SessionUser, input: SingleInvitation, actor: Actor): Promise<number> {
      assertCan(actingUser, 'accounts.administer');
      const passwordHash = await unusablePasswordHash();
      return inTransaction(
        db,
        async (trx) => {
          const organisation = await findOrganisation(trx, input.organisationId);
          if (!organisation || !organisation.active) throw new Invalid({ organisationId: 'validation.selectOne' });
          if (await queries.findUserByEmail(trx, input.email)) throw new Invalid({ email: 'admin.invitations.errors.emailTaken' });
          const { userId, token } = await createInvitedAccount(trx, input, passwordHash, actor);
          await queueInvitationMail(trx, input, token);
          return userId;
        },
        { users_email_unique: () => new Invalid({ email: 'admin.invitations.errors.emailTaken' }) },
      );
    },

    /** What confirming the list would do, row by row; saves nothing. */
    async preview(actingUser: SessionUser, rows: InvitationRow[]): Promise<InvitationPlan> {
      assertCan(actingUser, 'accounts.administer');
      return planFor(db, rows);
    },

    /**
     * Invites every new person of a previewed list in one transaction. A list with errors,
     * or whose plan changed since the preview, is refused as a whole: nothing is created.
     * Confirming the same list twice (or twice at once) finds the accounts of the first
     * time and creates nothing again.
     */
    async confirm(actingUser: SessionUser, rows: InvitationRow[], expectedFingerprint: string, actor: Actor): Promise<{ invited: number; exists: number }> {
      assertCan(actingUser, 'accounts.administer');
      const draft = await planFor(db, rows);
      const hashes = await Promise.all(draft.rows.filter((row) => row.kind === 'new').map(() => unusablePasswordHash()));
      return inTransaction(
        db,
        async (trx) => {
          const plan = await planFor(trx, rows);
          if (plan.counts.errors > 0) throw new Invalid({ _form: 'admin.invitations.errors.rowsHaveErrors' });
          if (plan.fingerprint !== expectedFingerprint) throw previewOutdated();
          for (const row of plan.rows) {
            if (row.kind !== 'new') continue;
            const invitee = { email: row.email, firstName: row.firstName, lastName: row.lastName, organisationId: row.organisationId, locale: row.locale, role: row.roleValue };
            const { token } = await createInvitedAccount(trx, invitee, hashes.pop() ?? (await unusablePasswordHash()), actor);
            await queueInvitationMail(trx, invitee, token);
          }
          await recordAudit(trx, actor, { action: 'account.invitations_imported', subjectType: 'user', subjectId: actingUser.id, after: { rows: plan.counts.rows, invited: plan.counts.new, existing: plan.counts.exists } });
          return { invited: plan.counts.new, exists: plan.counts.exists };
        },
        { users_email_unique: previewOutdated },
      );
    },

    /** A new activation link for someone who hasn't used theirs; every earlier link stops working. */
    async resend(actingUser: SessionUser, userId: number, actor: Actor): Promise<string> {
      assertCan(actingUser, 'accounts.administer');
      return db.transaction(async (trx) => {
        const user = await adminQueries.lockUser(trx, userId);
        if (!user) throw new NotFound();
        if (!user.active || user.email_verified_at || !(await adminQueries.wasInvited(trx, userId))) throw new Conflict('admin.invitations.errors.notOpen');
        await queries.expireAccountTokens(trx, userId, ['invitation']);
        const token = await insertInvitationToken(trx, userId);
        await queueInvitationMail(trx, { email: user.email, firstName: user.first_name, lastName: user.last_name, locale: user.locale, role: user.role }, token);
        await recordAudit(trx, actor, { action: 'account.invitation_resent', subjectType: 'user', subjectId: userId });
        return user.email;
      });
    },
  };
}

export type AccountInvitations = ReturnType<typeof createAccountInvitations>;
