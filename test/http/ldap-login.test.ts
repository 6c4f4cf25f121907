import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, textOf, type Agent } from '../support/http';
import { startLdapServer, type TestLdapPerson, type TestLdapServer } from '../support/ldap-server';
import { freePort } from '../support/throwaway-cluster';
import { anonymisePerson } from '../../src/privacy/erasure.service';

const lena: TestLdapPerson = { uid: 'lvogt', mail: 'lena.vogt@bergheide.example', givenName: 'Lena', sn: 'Vogt', password: 'Lena-Verzeichnis-1', organisation: 'Stadt Bergheide' };
const karl: TestLdapPerson = { uid: 'kbrandt', mail: 'karl.brandt@bergheide.example', givenName: 'Karl', sn: 'Brandt', password: 'Karl-Verzeichnis-1', groups: ['kokoma-referenten'] };
const petra: TestLdapPerson = { uid: 'plange', mail: 'petra.lange@bergheide.example', givenName: 'Petra', sn: 'Lange', password: 'Petra-Verzeichnis-1', disabled: true };

async function submitLogin(agent: Agent, email: string, password: string) {
  const page = await agent.get('/login');
  return agent.post('/login').type('form').send({ email, password, _csrf: csrfTokenIn(page.text) });
}

const isLoggedIn = async (agent: Agent) => (await agent.get('/account')).status === 200;

describe('login against the LDAP directory (slapd)', () => {
  let directory: TestLdapServer;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    directory = await startLdapServer([lena, karl, petra]);
    Object.assign(overrides, directory.env({ LDAP_ORGANISATION_ATTRIBUTE: 'o', LDAP_ORGANISATION_DOMAINS: 'bergheide.example=Stadtverwaltung Bergheide', LDAP_ROLE_GROUPS: 'kokoma-referenten=trainer;kokoma-admins=admin' }));
  });
  afterAll(() => directory.stop());
  const ctx = useTestApp(overrides);

  it('logs a person of the directory in through the one login form and creates the account', async () => {
    const agent = newAgent(ctx.app);
    const response = await submitLogin(agent, 'Lena.Vogt@bergheide.example', lena.password);
    expect(response.status).toBe(303);
    expect(textOf((await agent.get('/')).text)).toContain('Angemeldet als Lena Vogt');
    const user = await ctx.db('users').where({ email: lena.mail }).first();
    expect(user).toMatchObject({ first_name: 'Lena', last_name: 'Vogt', role: 'participant', active: true });
    // The organisation attribute wins over the domain's mapping.
    expect((await ctx.db('organisations').where({ id: user.organisation_id }).first()).name).toBe('Stadt Bergheide');
    const [identity] = await ctx.db('external_identities').where({ user_id: user.id });
    expect(identity.provider).toBe('ldap');
    // The entry's entryUUID, not the address, identifies the person next time.
    expect(identity.subject).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ctx.db('audit_events').where({ action: 'account.created_by_sso', subject_id: String(user.id) })).toHaveLength(1);
    const again = await submitLogin(newAgent(ctx.app), lena.mail, lena.password);
    expect(again.status).toBe(303);
    expect(await ctx.db('users').count('* as count').first()).toEqual({ count: 1 });
  });

  it('takes the role from the directory groups and the organisation from the domain mapping', async () => {
    const agent = newAgent(ctx.app);
    expect((await submitLogin(agent, karl.mail, karl.password)).status).toBe(303);
    const user = await ctx.db('users').where({ email: karl.mail }).first();
    expect(user.role).toBe('trainer');
    expect((await ctx.db('organisations').where({ id: user.organisation_id }).first()).name).toBe('Stadtverwaltung Bergheide');
  });

  it('refuses a wrong password with the local login’s message and counts it like one', async () => {
    const agent = newAgent(ctx.app);
    const response = await submitLogin(agent, lena.mail, 'falsch');
    expect(response.status).toBe(422);
    expect(textOf(response.text)).toContain('E-Mail oder Passwort falsch');
    // The address stays in the form, the password does not.
    expect(response.text).toContain(`value="${lena.mail}"`);
    expect(response.text).not.toContain('value="falsch"');
    expect(await isLoggedIn(agent)).toBe(false);
    expect(await ctx.db('users').count('* as count').first()).toEqual({ count: 0 });
    // Guessing is throttled as on the local login: after five failures, even the right password waits.
    for (let attempt = 2; attempt <= 5; attempt++) await submitLogin(agent, lena.mail, `falsch-${attempt}`);
    const throttled = await submitLogin(agent, lena.mail, lena.password);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBeDefined();
  });

  it('never lets typed filter characters widen the search', async () => {
    const response = await submitLogin(newAgent(ctx.app), '*@bergheide.example', lena.password);
    expect(response.status).toBe(422);
  });

  it('refuses an account the directory marks as disabled', async () => {
    const agent = newAgent(ctx.app);
    const local = await createUser(ctx.db, { email: petra.mail });
    const response = await submitLogin(agent, petra.mail, petra.password);
    expect(response.status).toBe(403);
    // The trail names the account the attempt was on, and why it failed.
    const entry = await ctx.db('audit_events').where({ action: 'login.failed', subject_id: String(local.id) }).first();
    expect(entry.after).toEqual({ reason: 'disabled', method: 'ldap' });
    expect(textOf(response.text)).toContain('Ihr Konto im Verzeichnis Ihrer Verwaltung ist gesperrt');
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('refuses a deactivated account even with the right directory password', async () => {
    await submitLogin(newAgent(ctx.app), lena.mail, lena.password);
    await ctx.db('users').where({ email: lena.mail }).update({ active: false });
    const agent = newAgent(ctx.app);
    const response = await submitLogin(agent, lena.mail, lena.password);
    expect(response.status).toBe(403);
    expect(textOf(response.text)).toContain('Ihr Konto ist deaktiviert');
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('forgets the link to the directory when the person is anonymised', async () => {
    await submitLogin(newAgent(ctx.app), lena.mail, lena.password);
    const user = await ctx.db('users').where({ email: lena.mail }).first();
    await ctx.db.transaction((trx) => anonymisePerson(trx, user.id, new Date()));
    expect(await ctx.db('external_identities').where({ user_id: user.id })).toHaveLength(0);
    // Logging in again through the directory makes a new account; the anonymised one stays anonymous.
    expect((await submitLogin(newAgent(ctx.app), lena.mail, lena.password)).status).toBe(303);
    const fresh = await ctx.db('users').where({ email: lena.mail }).first();
    expect(fresh.id).not.toBe(user.id);
    expect((await ctx.db('users').where({ id: user.id }).first()).first_name).toBe('Gelöschte');
  });

  it('leaves addresses of other domains to the local login', async () => {
    const guest = await createUser(ctx.db, { email: 'gast@nachbarkreis.example' });
    const agent = await loginAs(ctx.app, guest);
    expect(await isLoggedIn(agent)).toBe(true);
  });
});

describe('login against the LDAP directory over TLS', () => {
  let directory: TestLdapServer;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    directory = await startLdapServer([lena]);
    Object.assign(overrides, directory.env({ LDAP_URL: directory.tlsUrl, LDAP_CA_FILE: directory.caFile }));
  });
  afterAll(() => directory.stop());
  const ctx = useTestApp(overrides);

  it('logs in over ldaps:// with the configured CA', async () => {
    expect((await submitLogin(newAgent(ctx.app), lena.mail, lena.password)).status).toBe(303);
  });
});

describe('login against the LDAP directory with StartTLS', () => {
  let directory: TestLdapServer;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    directory = await startLdapServer([lena]);
    // The certificate names localhost: the address must match it.
    Object.assign(overrides, directory.env({ LDAP_URL: directory.url.replace('127.0.0.1', 'localhost'), LDAP_STARTTLS: 'true', LDAP_CA_FILE: directory.caFile }));
  });
  afterAll(() => directory.stop());
  const ctx = useTestApp(overrides);

  it('upgrades ldap:// with StartTLS before the password is sent', async () => {
    expect((await submitLogin(newAgent(ctx.app), lena.mail, lena.password)).status).toBe(303);
  });
});

describe('login while the LDAP directory is down', () => {
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    Object.assign(overrides, {
      LDAP_URL: `ldap://127.0.0.1:${await freePort()}`,
      LDAP_BIND_DN: 'cn=kokoma-service,ou=service,dc=bergheide,dc=example',
      LDAP_BIND_PASSWORD: 'irrelevant',
      LDAP_SEARCH_BASE: 'ou=people,dc=bergheide,dc=example',
      LDAP_DOMAINS: 'bergheide.example',
      LDAP_TIMEOUT_MS: '1000',
    });
  });
  const ctx = useTestApp(overrides);

  it('says so in German on the login form, and local accounts still log in', async () => {
    const agent = newAgent(ctx.app);
    const response = await submitLogin(agent, lena.mail, lena.password);
    expect(response.status).toBe(503);
    expect(textOf(response.text)).toContain('Das Verzeichnis Ihrer Verwaltung ist gerade nicht erreichbar');
    expect(response.text).toContain(`value="${lena.mail}"`);
    const guest = await createUser(ctx.db, { email: 'gast@nachbarkreis.example' });
    expect(await isLoggedIn(await loginAs(ctx.app, guest))).toBe(true);
  });
});
