import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import type { Logger } from 'pino';
import type { Database } from '../../db/database';
import { recordAudit, type Actor } from '../../audit/audit.service';
import { findUserByEmail } from '../accounts.queries';
import { createLoginThrottle } from '../login-throttle';
import type { LdapSettings } from './sso.config';
import { organisationFor, roleFromGroups, type ExternalProfile } from './external-identities.service';

export type LdapOutcome =
  | { ok: true; profile: ExternalProfile }
  | { ok: false; reason: 'invalid' | 'disabled' | 'unavailable' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** RFC 4515: what a person types can never change the filter around it. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (character) => `\\${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const first = (value: Entry[string] | undefined): string | undefined => {
  const item = Array.isArray(value) ? value[0] : value;
  if (item === undefined) return undefined;
  return Buffer.isBuffer(item) ? item.toString('hex') : String(item).trim() || undefined;
};
const all = (value: Entry[string] | undefined): string[] => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : String(item))));

/** Does this address belong to the directory (one login form for both; see README, "Single sign-on")? */
export function isDirectoryAddress(settings: LdapSettings | undefined, email: unknown): boolean {
  if (!settings || typeof email !== 'string') return false;
  const domain = email.trim().toLowerCase().split('@')[1];
  return !!domain && settings.domains.includes(domain);
}

/**
 * LDAP / Active Directory login by search-then-bind: a service account finds the one entry
 * with the typed address, then the person's password is checked by binding as that entry.
 * Failed attempts count in the same throttle as the local login (login-throttle.ts).
 * Anything else that goes wrong (refused, timeout, TLS, the service account) means the
 * directory is unavailable: the person is told so, the local login stays usable.
 */
export function createLdapLogin(db: Database, settings: LdapSettings, logger: Logger) {
  const throttle = createLoginThrottle(db);
  let ca: Buffer[] | undefined;
  const tlsOptions = (): ConnectionOptions => {
    if (settings.caFile) ca ??= [fs.readFileSync(settings.caFile)];
    return ca ? { ca, minVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.2' };
  };
  const binaryAttributes = ['objectGUID', 'objectguid'];

  async function connect(): Promise<Client> {
    const client = new Client({
      url: settings.url,
      timeout: settings.timeoutMs,
      connectTimeout: settings.timeoutMs,
      tlsOptions: settings.url.startsWith('ldaps://') ? tlsOptions() : undefined,
      strictDN: false,
    });
    if (settings.startTls) await client.startTLS(tlsOptions());
    return client;
  }

  type Found = { dn: string; disabled: boolean; groups: string[]; entry: Entry };

  async function findPerson(client: Client, email: string): Promise<Found | undefined> {
    await client.bind(settings.bindDn, settings.bindPassword);
    const { attributes } = settings;
    const wanted = [attributes.id, attributes.mail, attributes.firstName, attributes.lastName, 'memberOf', ...(attributes.organisation ? [attributes.organisation] : [])];
    const filter = settings.userFilter.replaceAll('{email}', escapeFilterValue(email));
    const { searchEntries } = await client.search(settings.searchBase, { scope: 'sub', filter, attributes: wanted, explicitBufferAttributes: binaryAttributes, sizeLimit: 2 });
    // Two entries with one address: nobody can tell whose password to check.
    if (searchEntries.length !== 1) return undefined;
    const entry = searchEntries[0]!;
    const disabled = (await client.search(entry.dn, { scope: 'base', filter: settings.disabledFilter, attributes: ['dn'] })).searchEntries.length > 0;
    let groups = all(entry.memberOf);
    if (settings.groupSearchBase) {
      const dn = escapeFilterValue(entry.dn);
      const found = await client.search(settings.groupSearchBase, { scope: 'sub', filter: `(|(member=${dn})(uniqueMember=${dn}))`, attributes: ['cn'] });
      groups = [...groups, ...found.searchEntries.map((group) => group.dn)];
    }
    return { dn: entry.dn, disabled, groups, entry };
  }

  /** The password, checked by the directory itself; false only for wrong credentials. */
  async function passwordMatches(client: Client, dn: string, password: string): Promise<boolean> {
    try {
      await client.bind(dn, password);
      return true;
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return false;
      throw error;
    }
  }

  function profileOf(found: Found, email: string): ExternalProfile | undefined {
    const { attributes } = settings;
    const subject = first(found.entry[attributes.id]);
    if (!subject) return undefined;
    const mail = first(found.entry[attributes.mail])?.toLowerCase() ?? email;
    return {
      provider: 'ldap',
      subject,
      email: mail,
      // The authority maintains its directory: its addresses count as verified.
      emailVerified: true,
      firstName: first(found.entry[attributes.firstName]),
      lastName: first(found.entry[attributes.lastName]),
      organisationName: organisationFor(attributes.organisation ? first(found.entry[attributes.organisation]) : undefined, mail, settings.organisationByDomain),
      role: roleFromGroups(found.groups, settings.roleGroups),
    };
  }

  async function fail(email: string, actor: Actor, reason: 'invalid' | 'disabled' | 'unavailable'): Promise<LdapOutcome> {
    if (reason === 'invalid') await throttle.recordFailure(email, actor.ip);
    // Never what was typed (it may be a password typed into the wrong field): the account, if any, is the subject.
    const user = await findUserByEmail(db, email);
    await recordAudit(db, actor, { action: 'login.failed', subjectType: user ? 'user' : undefined, subjectId: user?.id, after: { reason, method: 'ldap' } });
    return { ok: false, reason };
  }

  return {
    async authenticate(email: string, password: string, actor: Actor): Promise<LdapOutcome> {
      const allowed = await throttle.check(email, actor.ip);
      if (!allowed.allowed) {
        await recordAudit(db, actor, { action: 'login.failed', after: { reason: 'throttled', method: 'ldap' } });
        return { ok: false, reason: 'throttled', retryAfterSeconds: allowed.retryAfterSeconds };
      }
      // An empty password is an "unauthenticated bind", which LDAP servers accept: never a login.
      if (!password) return fail(email, actor, 'invalid');
      let client: Client | undefined;
      try {
        client = await connect();
        const found = await findPerson(client, email);
        if (!found || !(await passwordMatches(client, found.dn, password))) return await fail(email, actor, 'invalid');
        await throttle.recordSuccess(email);
        if (found.disabled) return await fail(email, actor, 'disabled');
        const profile = profileOf(found, email);
        if (!profile) {
          logger.error({ attribute: settings.attributes.id }, 'directory entry without the identifying attribute (LDAP_ID_ATTRIBUTE)');
          return await fail(email, actor, 'unavailable');
        }
        return { ok: true, profile };
      } catch (error) {
        logger.error({ err: error, url: settings.url }, 'directory unavailable for login');
        return fail(email, actor, 'unavailable');
      } finally {
        await client?.unbind().catch(() => undefined);
      }
    },
  };
}

export type LdapLogin = ReturnType<typeof createLdapLogin>;
