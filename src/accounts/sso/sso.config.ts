import { isRole, type Role } from '../roles';

/**
 * Single sign-on settings, read from the environment by src/config.ts (the only reader of
 * process.env) and validated here, because the number of identity providers is itself
 * configuration: OIDC_PROVIDERS=keycloak,entra names them, OIDC_KEYCLOAK_ISSUER etc. describe
 * each. Secrets are non-enumerable, so logging the config never shows them.
 */
export type RoleGroups = ReadonlyArray<{ group: string; role: Role }>;

export type OidcProviderSettings = Readonly<{
  id: string;
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** A claim holding the organisation's name; else the e-mail domain is looked up in organisationByDomain. */
  organisationClaim: string | undefined;
  organisationByDomain: Readonly<Record<string, string>>;
  groupsClaim: string;
  /** Empty: roles are not taken from the provider (first login: participant; later: unchanged). */
  roleGroups: RoleGroups;
  /** `amr` values of the id token that mean the provider asked a second factor. */
  secondFactorAmr: readonly string[];
  /** Only outside production: an issuer on plain http (a test provider on the loopback). */
  allowHttp: boolean;
}>;

export type LdapSettings = Readonly<{
  url: string;
  startTls: boolean;
  caFile: string | undefined;
  bindDn: string;
  bindPassword: string;
  searchBase: string;
  /** `{email}` is replaced by the typed address, escaped (RFC 4515). */
  userFilter: string;
  /** An entry that also matches this filter is a disabled account (AD: userAccountControl bit 2). */
  disabledFilter: string;
  /** Addresses of these domains log in against the directory; all others locally. */
  domains: readonly string[];
  attributes: Readonly<{ id: string; mail: string; firstName: string; lastName: string; organisation: string | undefined }>;
  organisationByDomain: Readonly<Record<string, string>>;
  /** Set: groups are entries under this base with a member attribute naming the person; unset: the person's memberOf. */
  groupSearchBase: string | undefined;
  roleGroups: RoleGroups;
  timeoutMs: number;
}>;

export type SsoSettings = Readonly<{ oidc: readonly OidcProviderSettings[]; ldap: LdapSettings | undefined }>;

type Env = Record<string, string | undefined>;

const PROVIDER_ID = /^[a-z0-9-]{1,40}$/;
const DEFAULT_AMR = ['mfa', 'otp', 'hwk'];

const list = (value: string | undefined, separator = ','): string[] =>
  (value ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);

function withSecret<T extends object>(settings: T, name: string, secret: string): T {
  return Object.defineProperty(settings, name, { value: secret, enumerable: false });
}

/** "a=b;c=d" into pairs; a problem for each entry without "=". */
function pairs(variable: string, value: string | undefined, problems: string[]): [string, string][] {
  return list(value, ';').flatMap((entry) => {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1) {
      problems.push(`${variable}: "${entry}" is not "key=value" (entries separated by ";")`);
      return [];
    }
    return [[entry.slice(0, at).trim(), entry.slice(at + 1).trim()] as [string, string]];
  });
}

function domainMap(variable: string, value: string | undefined, problems: string[]): Record<string, string> {
  return Object.fromEntries(pairs(variable, value, problems).map(([domain, organisation]) => [domain.toLowerCase(), organisation]));
}

function roleGroups(variable: string, value: string | undefined, problems: string[]): RoleGroups {
  return pairs(variable, value, problems).flatMap(([group, role]) => {
    if (isRole(role)) return [{ group, role }];
    problems.push(`${variable}: "${role}" is not a role (participant, trainer, coordinator, admin)`);
    return [];
  });
}

function required(env: Env, variable: string, problems: string[]): string {
  const value = env[variable]?.trim();
  if (!value) problems.push(`${variable}: required`);
  return value ?? '';
}

function oidcProvider(env: Env, id: string, isProduction: boolean, problems: string[]): OidcProviderSettings {
  const prefix = `OIDC_${id.toUpperCase().replace(/-/g, '_')}_`;
  const issuer = required(env, `${prefix}ISSUER`, problems);
  let allowHttp = false;
  if (issuer) {
    try {
      const url = new URL(issuer);
      if (url.protocol === 'http:' && !isProduction) allowHttp = true;
      else if (url.protocol !== 'https:') problems.push(`${prefix}ISSUER: must be an https:// URL`);
    } catch {
      problems.push(`${prefix}ISSUER: must be a URL (the issuer, e.g. https://login.example.de/realms/verwaltung)`);
    }
  }
  const settings = {
    id,
    label: env[`${prefix}LABEL`]?.trim() || id,
    issuer,
    clientId: required(env, `${prefix}CLIENT_ID`, problems),
    scopes: env[`${prefix}SCOPES`]?.trim() || 'openid email profile',
    organisationClaim: env[`${prefix}ORGANISATION_CLAIM`]?.trim() || undefined,
    organisationByDomain: domainMap(`${prefix}ORGANISATION_DOMAINS`, env[`${prefix}ORGANISATION_DOMAINS`], problems),
    groupsClaim: env[`${prefix}GROUPS_CLAIM`]?.trim() || 'groups',
    roleGroups: roleGroups(`${prefix}ROLE_GROUPS`, env[`${prefix}ROLE_GROUPS`], problems),
    secondFactorAmr: env[`${prefix}MFA_AMR`] === undefined ? DEFAULT_AMR : list(env[`${prefix}MFA_AMR`]),
    allowHttp,
  };
  return Object.freeze(withSecret(settings as unknown as OidcProviderSettings, 'clientSecret', required(env, `${prefix}CLIENT_SECRET`, problems)));
}

function ldapSettings(env: Env, isProduction: boolean, problems: string[]): LdapSettings | undefined {
  const url = env.LDAP_URL?.trim();
  if (!url) return undefined;
  const startTls = ['true', '1', 'yes'].includes((env.LDAP_STARTTLS ?? '').trim());
  if (!/^ldaps?:\/\//.test(url)) problems.push('LDAP_URL: must be an ldaps:// or ldap:// URL');
  else if (url.startsWith('ldaps://') && startTls) problems.push('LDAP_STARTTLS: only with an ldap:// URL (ldaps:// is TLS already)');
  else if (url.startsWith('ldap://') && !startTls && isProduction) problems.push('LDAP_URL: passwords would cross the network in clear text: use ldaps:// or set LDAP_STARTTLS=true');
  const domains = list(env.LDAP_DOMAINS).map((domain) => domain.toLowerCase());
  if (domains.length === 0) problems.push('LDAP_DOMAINS: required with LDAP_URL (the e-mail domains whose people log in against the directory)');
  const userFilter = env.LDAP_USER_FILTER?.trim() || '(&(objectClass=person)(mail={email}))';
  if (!userFilter.includes('{email}')) problems.push('LDAP_USER_FILTER: must contain {email}');
  const timeoutMs = Number(env.LDAP_TIMEOUT_MS ?? 5000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) problems.push('LDAP_TIMEOUT_MS: a whole number of milliseconds, 100–60000');
  const settings = {
    url,
    startTls,
    caFile: env.LDAP_CA_FILE?.trim() || undefined,
    bindDn: required(env, 'LDAP_BIND_DN', problems),
    searchBase: required(env, 'LDAP_SEARCH_BASE', problems),
    userFilter,
    disabledFilter: env.LDAP_DISABLED_FILTER?.trim() || '(userAccountControl:1.2.840.113556.1.4.803:=2)',
    domains,
    attributes: Object.freeze({
      id: env.LDAP_ID_ATTRIBUTE?.trim() || 'entryUUID',
      mail: env.LDAP_MAIL_ATTRIBUTE?.trim() || 'mail',
      firstName: env.LDAP_FIRST_NAME_ATTRIBUTE?.trim() || 'givenName',
      lastName: env.LDAP_LAST_NAME_ATTRIBUTE?.trim() || 'sn',
      organisation: env.LDAP_ORGANISATION_ATTRIBUTE?.trim() || undefined,
    }),
    organisationByDomain: domainMap('LDAP_ORGANISATION_DOMAINS', env.LDAP_ORGANISATION_DOMAINS, problems),
    groupSearchBase: env.LDAP_GROUP_SEARCH_BASE?.trim() || undefined,
    roleGroups: roleGroups('LDAP_ROLE_GROUPS', env.LDAP_ROLE_GROUPS, problems),
    timeoutMs,
  };
  return Object.freeze(withSecret(settings as unknown as LdapSettings, 'bindPassword', required(env, 'LDAP_BIND_PASSWORD', problems)));
}

/** The single sign-on settings and what is wrong with them (config.ts turns problems into a start-up error). */
export function parseSsoSettings(env: Env, isProduction: boolean): { settings: SsoSettings; problems: string[] } {
  const problems: string[] = [];
  const ids = list(env.OIDC_PROVIDERS).map((id) => id.toLowerCase());
  for (const id of ids) if (!PROVIDER_ID.test(id)) problems.push(`OIDC_PROVIDERS: "${id}" may hold only a–z, 0–9 and "-" (at most 40)`);
  if (new Set(ids).size !== ids.length) problems.push('OIDC_PROVIDERS: a provider is named twice');
  const oidc = ids.filter((id) => PROVIDER_ID.test(id)).map((id) => oidcProvider(env, id, isProduction, problems));
  const ldap = ldapSettings(env, isProduction, problems);
  return { settings: Object.freeze({ oidc: Object.freeze(oidc), ldap }), problems: problems.map((problem) => `  - ${problem}`) };
}
