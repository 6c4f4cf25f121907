import type { Knex } from 'knex';
import type { Database } from '../../db/database';
import { isUniqueViolation } from '../../db/errors';
import { recordAudit, type Actor } from '../../audit/audit.service';
import * as accounts from '../accounts.queries';
import { findOrganisationByName, insertOrganisation } from '../organisations.queries';
import type { Role, SessionUser } from '../roles';
import * as queries from './external-identities.queries';

/** What an identity provider (OpenID Connect or the directory) says about a person who just proved who they are. */
export type ExternalProfile = {
  /** 'oidc:<id>' or 'ldap' */
  provider: string;
  subject: string;
  email: string | undefined;
  /** The provider vouches for the address (OIDC email_verified; the directory, which the authority maintains). */
  emailVerified: boolean;
  firstName: string | undefined;
  lastName: string | undefined;
  organisationName: string | undefined;
  /** From the group mapping; undefined when the provider has none configured (roles stay as they are). */
  role: Role | undefined;
};

export type ProvisionOutcome = { ok: true; user: SessionUser } | { ok: false; reason: 'inactive' | 'unverifiedEmail' | 'noEmail' };

/** No password matches it: an account created through a provider logs in there (or sets a password by reset mail). */
const NO_PASSWORD = '!sso';

const sessionUserOf = (user: accounts.UserRow): SessionUser => ({
  id: user.id,
  email: user.email,
  firstName: user.first_name,
  lastName: user.last_name,
  role: user.role,
  locale: user.locale,
  organisationId: user.organisation_id,
});

/**
 * Turns a person an identity provider vouches for into an account: the link (provider,
 * subject) identifies them on later logins; on the first, an account with the same address
 * is linked only when the provider says the address is verified (else anybody who can put
 * an address into a directory could take over the local account); otherwise a new account
 * is made from the claims. Roles follow the provider's groups on every login (audited).
 */
export function createExternalIdentities(db: Database) {
  async function organisationIdFor(trx: Knex.Transaction, name: string | undefined, actor: Actor): Promise<number | null> {
    if (!name) return null;
    const existing = await findOrganisationByName(trx, name);
    if (existing) return existing.id;
    // The provider's configuration or directory names it: a new organisation, for coordination to check or merge.
    const id = await insertOrganisation(trx, { name, kind: 'other' });
    await recordAudit(trx, actor, { action: 'organisation.created', subjectType: 'organisation', subjectId: id, after: { name, source: 'sso' } });
    return id;
  }

  async function provisionOnce(profile: ExternalProfile, actor: Actor): Promise<ProvisionOutcome> {
    return db.transaction(async (trx) => {
      const identity = await queries.lockIdentity(trx, profile.provider, profile.subject);
      let user: accounts.UserRow | undefined = identity ? await accounts.findUserById(trx, identity.user_id) : undefined;
      if (identity && user) {
        if (!user.active) return { ok: false, reason: 'inactive' } as const;
        await queries.touchIdentity(trx, identity.id);
      } else {
        if (!profile.email) return { ok: false, reason: 'noEmail' } as const;
        user = await accounts.findUserByEmail(trx, profile.email);
        if (user) {
          if (!profile.emailVerified) return { ok: false, reason: 'unverifiedEmail' } as const;
          if (!user.active) return { ok: false, reason: 'inactive' } as const;
          await queries.insertIdentity(trx, { provider: profile.provider, subject: profile.subject, user_id: user.id });
          await recordAudit(trx, { ...actor, userId: user.id }, { action: 'account.sso_linked', subjectType: 'user', subjectId: user.id, after: { provider: profile.provider } });
        } else {
          const organisationId = await organisationIdFor(trx, profile.organisationName, actor);
          const localPart = profile.email.split('@')[0] ?? profile.email;
          const id = await accounts.insertUser(trx, {
            email: profile.email,
            first_name: profile.firstName?.trim() || localPart,
            last_name: profile.lastName?.trim() || '',
            organisation_id: organisationId,
            department: null,
            role: profile.role ?? 'participant',
            password_hash: NO_PASSWORD,
            locale: 'de',
            email_verified_at: profile.emailVerified ? new Date() : null,
          });
          await queries.insertIdentity(trx, { provider: profile.provider, subject: profile.subject, user_id: id });
          await recordAudit(trx, { ...actor, userId: id }, {
            action: 'account.created_by_sso',
            subjectType: 'user',
            subjectId: id,
            after: { email: profile.email, organisationId, role: profile.role ?? 'participant', provider: profile.provider },
          });
          user = (await accounts.findUserById(trx, id))!;
        }
      }
      if (profile.role && profile.role !== user.role) {
        await accounts.updateUser(trx, user.id, { role: profile.role });
        await recordAudit(trx, { ...actor, userId: user.id }, {
          action: 'account.role_from_directory',
          subjectType: 'user',
          subjectId: user.id,
          before: { role: user.role },
          after: { role: profile.role, provider: profile.provider },
        });
        user = { ...user, role: profile.role };
      }
      return { ok: true, user: sessionUserOf(user) } as const;
    });
  }

  return {
    /** A login through a provider that was refused here (expired, forged, unverified address, deactivated): in the trail like a failed local login. */
    async recordRefusal(reason: string, provider: string, actor: Actor): Promise<void> {
      await recordAudit(db, actor, { action: 'login.failed', after: { reason, method: provider } });
    },

    /** Two first logins of one person at once: the loser of the unique race finds the winner's link on the retry. */
    async provision(profile: ExternalProfile, actor: Actor): Promise<ProvisionOutcome> {
      try {
        return await provisionOnce(profile, actor);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        return provisionOnce(profile, actor);
      }
    },
  };
}

export type ExternalIdentities = ReturnType<typeof createExternalIdentities>;

/** The highest role any of the person's groups maps to; undefined when the provider maps no groups. */
export function roleFromGroups(groups: readonly string[], mapping: ReadonlyArray<{ group: string; role: Role }>): Role | undefined {
  if (mapping.length === 0) return undefined;
  const order: Role[] = ['participant', 'trainer', 'coordinator', 'admin'];
  const names = new Set(groups.flatMap((group) => [group.toLowerCase(), firstRdnValue(group)?.toLowerCase()]).filter((name): name is string => !!name));
  const roles = mapping.filter((entry) => names.has(entry.group.toLowerCase())).map((entry) => entry.role);
  return roles.reduce<Role>((highest, role) => (order.indexOf(role) > order.indexOf(highest) ? role : highest), 'participant');
}

/** "cn=kokoma-admins,ou=groups,dc=…" → "kokoma-admins", so a mapping may name a group by its DN or its name. */
function firstRdnValue(group: string): string | undefined {
  const match = /^[a-zA-Z0-9-]+=((?:\\.|[^,])+)/.exec(group);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}

/** The organisation: a claim or attribute when given, else the mapping of the e-mail domain. */
export function organisationFor(value: string | undefined, email: string | undefined, byDomain: Readonly<Record<string, string>>): string | undefined {
  if (value?.trim()) return value.trim();
  const domain = email?.split('@')[1]?.toLowerCase();
  return domain ? byDomain[domain] : undefined;
}
