import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, submitForm, textOf } from '../support/http';

describe('login and logout', () => {
  const ctx = useTestApp();

  it('logs a verified user in with a new session id and shows their name', async () => {
    const user = await createUser(ctx.db, { firstName: 'Lena', lastName: 'Schäfer' });
    const agent = newAgent(ctx.app);
    const sessionIdIn = (response: { headers: Record<string, unknown> }) => /kokoma\.sid=([^;]+)/.exec(String(response.headers['set-cookie']))?.[1];
    const loginPage = await agent.get('/login');
    // The form alone creates no session: nothing is stored for a visitor who only looks.
    expect(sessionIdIn(loginPage)).toBeUndefined();
    expect(await ctx.db('http_sessions').count('* as count').first()).toEqual({ count: 0 });
    const response = await agent.post('/login').type('form').send({ email: user.email.toUpperCase(), password: user.password, _csrf: csrfTokenIn(loginPage.text) });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/');
    const firstSession = sessionIdIn(response);
    expect(firstSession).toBeDefined();
    const home = await agent.get('/');
    expect(textOf(home.text)).toContain('Angemeldet als Lena Schäfer');
    // Logging in again on the same browser never keeps the session id it had (session fixation).
    const again = await agent.post('/login').type('form').send({ email: user.email, password: user.password, _csrf: csrfTokenIn((await agent.get('/login')).text) });
    expect(again.status).toBe(303);
    expect(sessionIdIn(again)).toBeDefined();
    expect(sessionIdIn(again)).not.toBe(firstSession);
    const audit = await ctx.db('audit_events').where({ action: 'login', actor_user_id: user.id });
    expect(audit).toHaveLength(2);
  });

  it('sets HttpOnly, SameSite=Lax cookies for the form token and the session', async () => {
    const user = await createUser(ctx.db);
    const agent = newAgent(ctx.app);
    const page = await agent.get('/login');
    const tokenCookie = String(page.headers['set-cookie']);
    expect(tokenCookie).toMatch(/kokoma\.csrf=/);
    expect(tokenCookie).toMatch(/HttpOnly/);
    expect(tokenCookie).toMatch(/SameSite=Lax/);
    const response = await agent.post('/login').type('form').send({ email: user.email, password: user.password, _csrf: csrfTokenIn(page.text) });
    const sessionCookie = String(response.headers['set-cookie']);
    expect(sessionCookie).toMatch(/kokoma\.sid=/);
    expect(sessionCookie).toMatch(/HttpOnly/);
    expect(sessionCookie).toMatch(/SameSite=Lax/);
  });

  it('answers a wrong password and an unknown address with the same generic message and records the failure', async () => {
    const user = await createUser(ctx.db);
    const wrongPassword = await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: 'falsch-falsch' });
    const unknown = await submitForm(newAgent(ctx.app), '/login', '/login', { email: 'niemand@gemeinde.example', password: 'falsch-falsch' });
    for (const response of [wrongPassword, unknown]) {
      expect(response.status).toBe(422);
      expect(textOf(response.text)).toContain('E-Mail oder Passwort falsch.');
      expect(response.text).not.toContain('falsch-falsch');
    }
    expect(unknown.text).toContain('value="niemand@gemeinde.example"');
    // Both failures are recorded; only the existing account is named, and what was typed is never stored.
    const failures = await ctx.db('audit_events').where({ action: 'login.failed' }).orderBy('id');
    expect(failures.map((row) => [row.subject_type, row.subject_id])).toEqual([
      ['user', String(user.id)],
      [null, null],
    ]);
    expect(JSON.stringify(failures)).not.toContain('niemand@gemeinde.example');
  });

  it('shows German field errors with an error summary when fields are empty', async () => {
    const response = await submitForm(newAgent(ctx.app), '/login', '/login', { email: '', password: '' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Bitte prüfen Sie Ihre Angaben');
    expect(response.text).toContain('href="#field-email"');
    expect(response.text).toContain('aria-invalid="true"');
    expect(textOf(response.text)).toContain('Bitte füllen Sie dieses Feld aus.');
  });

  it('refuses deactivated accounts', async () => {
    const user = await createUser(ctx.db, { active: false });
    const response = await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: user.password });
    expect(response.status).toBe(422);
    expect(textOf(response.text)).toContain('Ihr Konto ist deaktiviert');
  });

  it('returns to the page the visitor wanted after login, but never to another site', async () => {
    const user = await createUser(ctx.db);
    const agent = newAgent(ctx.app);
    const redirect = await agent.get('/account');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/login?next=%2Faccount');
    const page = await agent.get(String(redirect.headers.location));
    const response = await agent.post('/login').type('form').send({ email: user.email, password: user.password, next: '/account', _csrf: csrfTokenIn(page.text) });
    expect(response.headers.location).toBe('/account');

    const other = newAgent(ctx.app);
    const otherPage = await other.get('/login');
    const offsite = await other.post('/login').type('form').send({ email: user.email, password: user.password, next: '//evil.example/', _csrf: csrfTokenIn(otherPage.text) });
    expect(offsite.headers.location).toBe('/');
  });

  it('rejects a login without a valid CSRF token with 403 and logs nobody in', async () => {
    const user = await createUser(ctx.db);
    const agent = newAgent(ctx.app);
    await agent.get('/login');
    const response = await agent.post('/login').type('form').send({ email: user.email, password: user.password, _csrf: 'forged' });
    expect(response.status).toBe(403);
    expect(textOf(response.text)).toContain('Das Formular ist abgelaufen');
    const account = await agent.get('/account');
    expect(account.status).toBe(302);
    expect(await ctx.db('audit_events').where({ action: 'login' })).toHaveLength(0);
  });

  it('logs out with a POST and ends the session', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    const accountPage = await agent.get('/account');
    expect(accountPage.status).toBe(200);
    const response = await agent.post('/logout').type('form').send({ _csrf: csrfTokenIn(accountPage.text) });
    expect(response.status).toBe(303);
    const home = await agent.get('/');
    expect(textOf(home.text)).toContain('Sie wurden abgemeldet.');
    expect((await agent.get('/account')).status).toBe(302);
    expect(await ctx.db('audit_events').where({ action: 'logout', actor_user_id: user.id })).toHaveLength(1);
  });

  it('pauses an account after five failed attempts, with counters in PostgreSQL (see login-throttle.test.ts)', async () => {
    const user = await createUser(ctx.db);
    const agent = newAgent(ctx.app);
    const page = await agent.get('/login');
    const token = csrfTokenIn(page.text);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const response = await agent.post('/login').type('form').send({ email: user.email, password: 'falsch-falsch', _csrf: token });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429]);
    const blocked = await agent.post('/login').type('form').send({ email: user.email, password: user.password, _csrf: token });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect(textOf(blocked.text)).toContain('Zu viele fehlgeschlagene Anmeldeversuche');
    const counters = await ctx.db('rate_limits').where('key', 'like', 'login_failures_account%');
    expect(counters).toHaveLength(1);
  });
});
