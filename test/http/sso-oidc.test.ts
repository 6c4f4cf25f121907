import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, textOf, type Agent } from '../support/http';
import { startOidcProvider, type TestOidcAccount, type TestOidcProvider } from '../support/oidc-provider';
import { freePort } from '../support/throwaway-cluster';

const BASE_URL = 'http://campus.test';

const anna: TestOidcAccount = {
  sub: 'kc-7f3a-anna',
  login: 'anna',
  password: 'anna-geheim',
  email: 'anna.berger@bergheide.example',
  email_verified: true,
  given_name: 'Anna',
  family_name: 'Berger',
  groups: ['kokoma-koordination', 'alle-beschaeftigten'],
  // The provider asked her a second factor (Keycloak: OTP), so the app does not ask again.
  amr: ['pwd', 'otp'],
};
/** In 150 groups: her id token does not fit into a cookie (Entra ID sends groups in the id token). */
const ida: TestOidcAccount = {
  sub: 'kc-90aa-ida',
  login: 'ida',
  password: 'ida-geheim',
  email: 'ida.roth@bergheide.example',
  email_verified: true,
  given_name: 'Ida',
  family_name: 'Roth',
  groups: Array.from({ length: 150 }, (_, index) => `verteiler-fachbereich-${index}-bergheide`),
};
const jonas: TestOidcAccount = {
  sub: 'kc-2b41-jonas',
  login: 'jonas',
  password: 'jonas-geheim',
  email: 'jonas.wolff@bergheide.example',
  email_verified: true,
  given_name: 'Jonas',
  family_name: 'Wolff',
  groups: ['kokoma-koordination'],
};
const uwe: TestOidcAccount = { sub: 'kc-19c2-uwe', login: 'uwe', password: 'uwe-geheim', email: 'uwe.kraft@bergheide.example', email_verified: false, given_name: 'Uwe', family_name: 'Kraft' };
const mia: TestOidcAccount = {
  sub: 'kc-a6d0-mia',
  login: 'mia',
  password: 'mia-geheim',
  email: 'mia.hoffmann@landratsamt.example',
  email_verified: true,
  given_name: 'Mia',
  family_name: 'Hoffmann',
  organisation: 'Landratsamt Musterland',
};

describe('single sign-on with OpenID Connect', () => {
  let provider: TestOidcProvider;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    provider = await startOidcProvider({ baseUrl: BASE_URL, providerId: 'keycloak', accounts: [anna, uwe, mia, jonas, ida] });
    // A second provider nobody listens for: "the identity provider is down".
    const deadPort = await freePort();
    Object.assign(overrides, {
      OIDC_PROVIDERS: 'keycloak,entra',
      ...provider.env('keycloak'),
      OIDC_KEYCLOAK_LABEL: 'Verwaltungskonto Bergheide',
      OIDC_KEYCLOAK_ORGANISATION_CLAIM: 'organisation',
      OIDC_KEYCLOAK_ORGANISATION_DOMAINS: 'bergheide.example=Stadt Bergheide',
      OIDC_KEYCLOAK_ROLE_GROUPS: 'kokoma-koordination=coordinator;kokoma-admins=admin',
      OIDC_ENTRA_ISSUER: `http://127.0.0.1:${deadPort}`,
      OIDC_ENTRA_CLIENT_ID: 'kokoma',
      OIDC_ENTRA_CLIENT_SECRET: 'entra-secret',
      OIDC_ENTRA_LABEL: 'Entra ID Landratsamt',
    });
  });
  afterAll(() => provider.stop());
  const ctx = useTestApp(overrides);

  /** Presses the provider's button on the login page; returns the provider's address the app sends the browser to. */
  async function pressButton(agent: Agent, providerId = 'keycloak', next?: string): Promise<string> {
    const page = await agent.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
    const response = await agent
      .post(`/sso/oidc/${providerId}`)
      .type('form')
      .send({ _csrf: csrfTokenIn(page.text), ...(next ? { next } : {}) });
    expect(response.status).toBe(303);
    return String(response.headers.location);
  }

  /** The browser arrives back at the app's callback. */
  function comeBack(agent: Agent, callbackUrl: string) {
    const url = new URL(callbackUrl);
    expect(url.origin).toBe(BASE_URL);
    return agent.get(`${url.pathname}${url.search}`);
  }

  async function logInThroughProvider(account: TestOidcAccount, agent: Agent = newAgent(ctx.app), next?: string) {
    const callback = await provider.signIn(await pressButton(agent, 'keycloak', next), account.login, account.password);
    return { agent, response: await comeBack(agent, callback), callback };
  }

  const isLoggedIn = async (agent: Agent) => (await agent.get('/account')).status === 200;

  it('shows one button per provider next to the local login form', async () => {
    const text = textOf((await newAgent(ctx.app).get('/login')).text);
    expect(text).toContain('Anmelden mit Verwaltungskonto Bergheide');
    expect(text).toContain('Anmelden mit Entra ID Landratsamt');
    expect(text).toContain('Passwort');
  });

  it('lets the login and logout forms redirect to the providers (CSP form-action)', async () => {
    for (const page of ['/login', '/']) {
      const policy = String((await newAgent(ctx.app).get(page)).headers['content-security-policy']);
      const formAction = /form-action ([^;]*)/.exec(policy)?.[1] ?? '';
      expect(formAction.split(' ')).toEqual(expect.arrayContaining(["'self'", provider.issuer]));
    }
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce', async () => {
    const url = new URL(await pressButton(newAgent(ctx.app)));
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('redirect_uri')).toBe(`${BASE_URL}/sso/oidc/keycloak/callback`);
  });

  it('creates the account on the first login with organisation and role, and finds it by subject afterwards', async () => {
    const { agent, response } = await logInThroughProvider(anna, newAgent(ctx.app), '/catalog');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/catalog');
    expect(textOf((await agent.get('/')).text)).toContain('Angemeldet als Anna Berger');
    const user = await ctx.db('users').where({ email: anna.email }).first();
    expect(user).toMatchObject({ first_name: 'Anna', last_name: 'Berger', role: 'coordinator', active: true });
    expect(user.email_verified_at).not.toBeNull();
    // No organisation claim for her: the e-mail domain's mapping names it.
    const organisation = await ctx.db('organisations').where({ id: user.organisation_id }).first();
    expect(organisation.name).toBe('Stadt Bergheide');
    expect(await ctx.db('external_identities').where({ user_id: user.id }).select('provider', 'subject')).toEqual([{ provider: 'oidc:keycloak', subject: anna.sub }]);
    expect(await ctx.db('audit_events').where({ action: 'account.created_by_sso', subject_id: String(user.id) })).toHaveLength(1);

    // The address changes in the app (e.g. corrected by coordination): the subject still finds the person.
    await ctx.db('users').where({ id: user.id }).update({ email: 'a.berger@bergheide.example' });
    const again = await logInThroughProvider(anna);
    expect(again.response.status).toBe(303);
    expect(await ctx.db('users').count('* as count').first()).toEqual({ count: 1 });
  });

  it('asks staff for the app’s own second factor only when the provider did not ask one', async () => {
    const { response } = await logInThroughProvider(jonas, newAgent(ctx.app), '/catalog');
    expect(response.status).toBe(303);
    // Coordination without a second factor of the provider's: set one up here first.
    expect(response.headers.location).toMatch(/^\/account\/second-factor\/setup/);
  });

  it('makes one account when the same person’s first logins arrive at once', async () => {
    const browsers = [newAgent(ctx.app), newAgent(ctx.app), newAgent(ctx.app)];
    const callbacks = await Promise.all(browsers.map(async (agent) => provider.signIn(await pressButton(agent), anna.login, anna.password)));
    const responses = await Promise.all(browsers.map((agent, index) => comeBack(agent, callbacks[index]!)));
    expect(responses.map((response) => response.status)).toEqual([303, 303, 303]);
    expect(await ctx.db('users').where({ email: anna.email }).count('* as count').first()).toEqual({ count: 1 });
    expect(await ctx.db('external_identities').count('* as count').first()).toEqual({ count: 1 });
    expect(await ctx.db('audit_events').where({ action: 'account.created_by_sso' })).toHaveLength(1);
  });

  it('takes the role from the provider’s groups on every login and records the change', async () => {
    await logInThroughProvider(anna);
    const user = await ctx.db('users').where({ email: anna.email }).first();
    await ctx.db('users').where({ id: user.id }).update({ role: 'participant' });
    const { agent } = await logInThroughProvider(anna);
    expect((await ctx.db('users').where({ id: user.id }).first()).role).toBe('coordinator');
    // A coordinator's page opens for the person again.
    expect((await agent.get('/manage/programmes')).status).toBe(200);
    const change = await ctx.db('audit_events').where({ action: 'account.role_from_directory', subject_id: String(user.id) }).first();
    expect(change).toMatchObject({ before: { role: 'participant' }, after: { role: 'coordinator', provider: 'oidc:keycloak' } });
  });

  it('links an existing local account when the provider says the address is verified', async () => {
    const local = await createUser(ctx.db, { email: mia.email, firstName: 'Mia', lastName: 'Hoffmann', role: 'trainer' });
    const { agent, response } = await logInThroughProvider(mia);
    expect(response.status).toBe(303);
    expect(textOf((await agent.get('/')).text)).toContain('Angemeldet als Mia Hoffmann');
    expect(await ctx.db('users').count('* as count').first()).toEqual({ count: 1 });
    expect(await ctx.db('external_identities').where({ user_id: local.id }).select('subject')).toEqual([{ subject: mia.sub }]);
    // An existing account keeps its organisation; the claim names one only for new accounts.
    expect((await ctx.db('users').where({ id: local.id }).first()).organisation_id).not.toBeNull();
    expect(await ctx.db('audit_events').where({ action: 'account.sso_linked', subject_id: String(local.id) })).toHaveLength(1);
    // No group mapping matched and none took over: a configured mapping makes the directory decide (participant).
    expect((await ctx.db('users').where({ id: local.id }).first()).role).toBe('participant');
    // The local password keeps working.
    await expect(loginAs(ctx.app, local)).resolves.toBeDefined();
  });

  it('never takes over a local account through an address the provider has not verified', async () => {
    const local = await createUser(ctx.db, { email: uwe.email, role: 'admin' });
    const { agent, response } = await logInThroughProvider(uwe);
    expect(response.status).toBe(409);
    expect(textOf(response.text)).toContain('hat die Adresse nicht als bestätigt gemeldet, deshalb wird das Konto nicht verknüpft');
    expect(await isLoggedIn(agent)).toBe(false);
    expect(await ctx.db('external_identities').count('* as count').first()).toEqual({ count: 0 });
    expect((await ctx.db('users').where({ id: local.id }).first()).role).toBe('admin');
  });

  it('refuses a deactivated account', async () => {
    await logInThroughProvider(anna);
    await ctx.db('users').where({ email: anna.email }).update({ active: false });
    const { agent, response } = await logInThroughProvider(anna);
    expect(response.status).toBe(403);
    expect(textOf(response.text)).toContain('Ihr Konto ist deaktiviert');
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('says in German when a provider is down, and the local login still works', async () => {
    const agent = newAgent(ctx.app);
    const page = await agent.get('/login');
    const response = await agent.post('/sso/oidc/entra').type('form').send({ _csrf: csrfTokenIn(page.text) });
    expect(response.status).toBe(503);
    expect(textOf(response.text)).toContain('Die Anmeldung mit Entra ID Landratsamt ist gerade nicht möglich, weil der Anmeldedienst nicht erreichbar ist');
    const local = await createUser(ctx.db);
    const localAgent = await loginAs(ctx.app, local);
    expect(await isLoggedIn(localAgent)).toBe(true);
  });

  it('says so when the person cancels at the provider', async () => {
    const agent = newAgent(ctx.app);
    const authorization = new URL(await pressButton(agent));
    // What the provider sends back when the person refuses (RFC 6749, 4.1.2.1).
    const response = await comeBack(agent, `${BASE_URL}/sso/oidc/keycloak/callback?error=access_denied&state=${authorization.searchParams.get('state')}`);
    expect(response.status).toBe(400);
    expect(textOf(response.text)).toContain('Die Anmeldung mit Verwaltungskonto Bergheide wurde abgebrochen');
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('refuses a callback with a forged state', async () => {
    const agent = newAgent(ctx.app);
    const callback = new URL(await provider.signIn(await pressButton(agent), anna.login, anna.password));
    callback.searchParams.set('state', 'forged-state');
    const response = await comeBack(agent, callback.href);
    expect(response.status).toBe(400);
    expect(textOf(response.text)).toContain('konnte nicht bestätigt werden');
    expect(await isLoggedIn(agent)).toBe(false);
    expect(await ctx.db('users').count('* as count').first()).toEqual({ count: 0 });
  });

  it('refuses a replayed callback, in the same browser and in another one', async () => {
    const { agent, callback } = await logInThroughProvider(anna);
    expect(await isLoggedIn(agent)).toBe(true);
    const replay = await comeBack(agent, callback);
    expect(replay.status).toBe(400);
    expect(textOf(replay.text)).toContain('abgelaufen oder wurde bereits verwendet');
    // Another browser with a login of its own under way: the stolen code does not match its state.
    const attacker = newAgent(ctx.app);
    await pressButton(attacker);
    const stolen = await comeBack(attacker, callback);
    expect(stolen.status).toBe(400);
    expect(await isLoggedIn(attacker)).toBe(false);
  });

  it('refuses a callback without a PKCE verifier (no login started in this browser)', async () => {
    const victim = newAgent(ctx.app);
    const callback = await provider.signIn(await pressButton(victim), anna.login, anna.password);
    const attacker = newAgent(ctx.app);
    const response = await comeBack(attacker, callback);
    expect(response.status).toBe(400);
    expect(await isLoggedIn(attacker)).toBe(false);
  });

  it('refuses a code issued for another PKCE challenge', async () => {
    const agent = newAgent(ctx.app);
    const authorization = new URL(await pressButton(agent));
    // The attacker's own challenge: the provider binds the code to it, our verifier cannot redeem it.
    authorization.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const response = await comeBack(agent, await provider.signIn(authorization.href, anna.login, anna.password));
    expect(response.status).toBe(400);
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('refuses an id token with another nonce', async () => {
    const agent = newAgent(ctx.app);
    const authorization = new URL(await pressButton(agent));
    authorization.searchParams.set('nonce', 'nonce-of-another-login');
    const response = await comeBack(agent, await provider.signIn(authorization.href, anna.login, anna.password));
    expect(response.status).toBe(400);
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('logs out locally and at the provider (RP-initiated logout)', async () => {
    const { agent } = await logInThroughProvider(mia);
    const page = await agent.get('/account');
    const response = await agent.post('/logout').type('form').send({ _csrf: csrfTokenIn(page.text) });
    expect(response.status).toBe(303);
    const endSession = new URL(String(response.headers.location));
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${BASE_URL}/`);
    expect(await isLoggedIn(agent)).toBe(false);
    expect(await ctx.db('audit_events').where({ action: 'logout' })).toHaveLength(1);
  });

  it('logs out at the provider by client id when the id token is too long to remember', async () => {
    const { agent } = await logInThroughProvider(ida);
    const account = await agent.get('/account');
    const response = await agent.post('/logout').type('form').send({ _csrf: csrfTokenIn(account.text) });
    expect(response.status).toBe(303);
    const endSession = new URL(String(response.headers.location));
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(endSession.searchParams.get('id_token_hint')).toBeNull();
    expect(endSession.searchParams.get('client_id')).toBe(provider.clientId);
    expect(await isLoggedIn(agent)).toBe(false);
  });

  it('logs a local login out locally, also when the same browser used a provider before', async () => {
    const { agent } = await logInThroughProvider(mia);
    const account = await agent.get('/account');
    expect((await agent.post('/logout').type('form').send({ _csrf: csrfTokenIn(account.text) })).status).toBe(303);
    const local = await createUser(ctx.db);
    const page = await agent.get('/login');
    const login = await agent.post('/login').type('form').send({ email: local.email, password: local.password, _csrf: csrfTokenIn(page.text) });
    expect(login.status).toBe(303);
    const localAccount = await agent.get('/account');
    const response = await agent.post('/logout').type('form').send({ _csrf: csrfTokenIn(localAccount.text) });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/');
    expect(await isLoggedIn(agent)).toBe(false);
  });
});
