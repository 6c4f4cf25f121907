import request from 'supertest';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/http/logger';
import type { Mailer } from '../../src/mail/mailer';
import { testConfig, useTestApp } from '../support/app';
import { openTestDatabase, testDatabaseUrl } from '../support/database';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';

const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/** A login ends after 12 hours however busy the person is, and after 2 hours without a request. */
describe('session lifetime', () => {
  const ctx = useTestApp();

  /** Moves the person's session back in time, as if they had logged in or last clicked earlier. */
  async function age(user: { id: number }, times: { issuedAgoMs?: number; lastSeenAgoMs?: number }) {
    const rows = await ctx.db('http_sessions').select('sid', 'sess');
    const row = rows.find((candidate) => candidate.sess?.passport?.user === user.id);
    if (!row) throw new Error('no session for this person');
    const sess = { ...row.sess };
    if (times.issuedAgoMs !== undefined) sess.issuedAt = Date.now() - times.issuedAgoMs;
    if (times.lastSeenAgoMs !== undefined) sess.lastSeenAt = Date.now() - times.lastSeenAgoMs;
    await ctx.db('http_sessions').where('sid', row.sid).update({ sess });
  }

  async function loggedIn(): Promise<{ user: { id: number }; agent: Agent }> {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    expect((await agent.get('/account')).status).toBe(200);
    return { user, agent };
  }

  it('keeps an active login alive within the limits', async () => {
    const { user, agent } = await loggedIn();
    await age(user, { issuedAgoMs: 11 * HOUR_MS + 59 * MINUTE_MS, lastSeenAgoMs: 119 * MINUTE_MS });
    expect((await agent.get('/account')).status).toBe(200);
  });

  it('ends a login after two hours without a request and says so on the login page', async () => {
    const { user, agent } = await loggedIn();
    await age(user, { lastSeenAgoMs: 2 * HOUR_MS + MINUTE_MS });
    const response = await agent.get('/account');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login?next=%2Faccount');
    const login = await agent.get(String(response.headers.location));
    expect(textOf(login.text)).toContain('Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.');
    expect((await agent.get('/account')).status).toBe(302);
  });

  it('ends a login twelve hours after it began, even when the person was active a minute ago', async () => {
    const { user, agent } = await loggedIn();
    await age(user, { issuedAgoMs: 12 * HOUR_MS + MINUTE_MS, lastSeenAgoMs: MINUTE_MS });
    const response = await agent.get('/account');
    expect(response.status).toBe(303);
    expect((await agent.get('/account')).status).toBe(302);
  });

  it('does not let activity move the absolute limit', async () => {
    const { user, agent } = await loggedIn();
    const before = (await ctx.db('http_sessions').select('sess')).find((row) => row.sess?.passport?.user === user.id)!.sess;
    await age(user, { lastSeenAgoMs: 5 * MINUTE_MS });
    expect((await agent.get('/account')).status).toBe(200);
    const after = (await ctx.db('http_sessions').select('sess')).find((row) => row.sess?.passport?.user === user.id)!.sess;
    expect(after.issuedAt).toBe(before.issuedAt);
    expect(after.lastSeenAt).toBeGreaterThan(Date.now() - MINUTE_MS);
  });

  it('records activity at most every five minutes', async () => {
    const { user, agent } = await loggedIn();
    await age(user, { lastSeenAgoMs: 4 * MINUTE_MS });
    const lastSeenAt = async () => (await ctx.db('http_sessions').select('sess')).find((row) => row.sess?.passport?.user === user.id)!.sess.lastSeenAt;
    const before = await lastSeenAt();
    expect((await agent.get('/account')).status).toBe(200);
    expect(await lastSeenAt()).toBe(before);
    await age(user, { lastSeenAgoMs: 6 * MINUTE_MS });
    expect((await agent.get('/account')).status).toBe(200);
    expect(await lastSeenAt()).toBeGreaterThan(Date.now() - MINUTE_MS);
  });

  it('does not write the session on every page view', async () => {
    const { user, agent } = await loggedIn();
    const expireOf = async () => (await ctx.db('http_sessions').select('sess', 'expire')).find((row) => row.sess?.passport?.user === user.id)!.expire.getTime();
    const first = await expireOf();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await agent.get('/account');
    await agent.get('/account');
    expect(await expireOf()).toBe(first);
  });

  it('refuses a form sent after the login ended and sends the person to log in again', async () => {
    const { user, agent } = await loggedIn();
    const page = await agent.get('/account');
    await age(user, { issuedAgoMs: 13 * HOUR_MS });
    const response = await agent.post('/account/language').type('form').send({ lang: 'en', _csrf: csrfTokenIn(page.text) });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login');
    expect((await ctx.db('users').where({ id: user.id }).first()).locale).toBe('de');
  });
});

describe('session cookie in production', () => {
  it('is __Host- prefixed, Secure, HttpOnly, for the whole site and the idle time', async () => {
    const config = testConfig({ NODE_ENV: 'production', SESSION_SECRET: 'a'.repeat(40) });
    const db = openTestDatabase();
    const mailer: Mailer = { send: async () => undefined, close: () => undefined };
    const { app, close } = createApp({ config, db, databaseUrl: testDatabaseUrl(), logger: createLogger(config), mailer });
    try {
      // Behind the TLS-terminating proxy (trusted on loopback), as in production.
      const user = await createUser(db);
      const page = await request(app).get('/login').set('X-Forwarded-Proto', 'https');
      const tokenCookie = String(page.headers['set-cookie']);
      expect(tokenCookie).toMatch(/^__Host-kokoma\.csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      const login = await request(app)
        .post('/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', tokenCookie.split(';')[0]!)
        .type('form')
        .send({ email: user.email, password: user.password, _csrf: csrfTokenIn(page.text) });
      expect(login.status).toBe(303);
      const cookie = String(login.headers['set-cookie']);
      expect(cookie).toMatch(/^__Host-kokoma\.sid=/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).not.toMatch(/Domain=/);
      const expires = new Date(/Expires=([^;]+)/.exec(cookie)![1]!).getTime();
      expect(Math.abs(expires - (Date.now() + 2 * HOUR_MS))).toBeLessThan(MINUTE_MS);
    } finally {
      await close();
      await db.destroy();
    }
  });
});
