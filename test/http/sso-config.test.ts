import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config';

/** Start-up validation of the single sign-on settings: an operator learns at start, by variable name, what is wrong. */
const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' };
const KEYCLOAK = {
  OIDC_PROVIDERS: 'keycloak',
  OIDC_KEYCLOAK_ISSUER: 'https://login.landkreis.example/realms/verwaltung',
  OIDC_KEYCLOAK_CLIENT_ID: 'kokoma-campus',
  OIDC_KEYCLOAK_CLIENT_SECRET: 'very-secret-client-secret',
};
const LDAP = {
  LDAP_URL: 'ldaps://dc1.landkreis.example',
  LDAP_BIND_DN: 'CN=svc-kokoma,DC=landkreis,DC=example',
  LDAP_BIND_PASSWORD: 'very-secret-bind-password',
  LDAP_SEARCH_BASE: 'DC=landkreis,DC=example',
  LDAP_DOMAINS: 'landkreis.example, Bergheide.example',
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('single sign-on configuration', () => {
  it('has no provider and no directory unless configured', () => {
    expect(loadConfig(PRODUCTION).sso).toEqual({ oidc: [], ldap: undefined });
  });

  it('reads each named OpenID provider with its defaults', () => {
    const [provider] = loadConfig({ ...PRODUCTION, ...KEYCLOAK, OIDC_KEYCLOAK_ROLE_GROUPS: 'kokoma-admins=admin; kokoma-koordination=coordinator' }).sso.oidc;
    expect(provider).toMatchObject({
      id: 'keycloak',
      label: 'keycloak',
      scopes: 'openid email profile',
      groupsClaim: 'groups',
      secondFactorAmr: ['mfa', 'otp', 'hwk'],
      allowHttp: false,
      roleGroups: [
        { group: 'kokoma-admins', role: 'admin' },
        { group: 'kokoma-koordination', role: 'coordinator' },
      ],
    });
    expect(provider!.clientSecret).toBe('very-secret-client-secret');
  });

  it('names every missing or wrong OpenID variable at once', () => {
    const message = problemsOf({ ...PRODUCTION, OIDC_PROVIDERS: 'keycloak,Entra ID', OIDC_KEYCLOAK_ISSUER: 'http://login.landkreis.example', OIDC_KEYCLOAK_ROLE_GROUPS: 'admins=chef;broken' });
    expect(message).toContain('OIDC_KEYCLOAK_ISSUER: must be an https:// URL');
    expect(message).toContain('OIDC_KEYCLOAK_CLIENT_ID: required');
    expect(message).toContain('OIDC_KEYCLOAK_CLIENT_SECRET: required');
    expect(message).toContain('OIDC_KEYCLOAK_ROLE_GROUPS: "chef" is not a role');
    expect(message).toContain('OIDC_KEYCLOAK_ROLE_GROUPS: "broken" is not "key=value"');
    expect(message).toContain('OIDC_PROVIDERS: "entra id" may hold only');
  });

  it('reads the directory, and refuses passwords in clear text in production', () => {
    const { ldap } = loadConfig({ ...PRODUCTION, ...LDAP }).sso;
    expect(ldap).toMatchObject({ domains: ['landkreis.example', 'bergheide.example'], startTls: false, attributes: { id: 'entryUUID', mail: 'mail' } });
    expect(problemsOf({ ...PRODUCTION, ...LDAP, LDAP_URL: 'ldap://dc1.landkreis.example' })).toContain('LDAP_URL: passwords would cross the network in clear text');
    expect(loadConfig({ ...PRODUCTION, ...LDAP, LDAP_URL: 'ldap://dc1.landkreis.example', LDAP_STARTTLS: 'true' }).sso.ldap?.startTls).toBe(true);
    expect(problemsOf({ ...PRODUCTION, ...LDAP, LDAP_STARTTLS: 'true' })).toContain('LDAP_STARTTLS: only with an ldap:// URL');
    expect(problemsOf({ ...PRODUCTION, ...LDAP, LDAP_DOMAINS: '' })).toContain('LDAP_DOMAINS: required with LDAP_URL');
    expect(problemsOf({ ...PRODUCTION, ...LDAP, LDAP_USER_FILTER: '(mail=*)' })).toContain('LDAP_USER_FILTER: must contain {email}');
  });

  it('keeps the client secret and the bind password out of logs', () => {
    const config = loadConfig({ ...PRODUCTION, ...KEYCLOAK, ...LDAP });
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(shown).not.toContain('very-secret-client-secret');
      expect(shown).not.toContain('very-secret-bind-password');
    }
  });
});
