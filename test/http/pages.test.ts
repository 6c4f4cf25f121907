import { createServer } from 'node:net';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createDatabase } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';
import type { Mailer } from '../../src/mail/mailer';
import { testConfig, useTestApp } from '../support/app';
import { createOrganisation, createUser } from '../support/factories';
import { decodeEntities } from '../support/html';
import { loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';
import { routesInApp } from '../support/routes';

function htmlLang(html: string): string | undefined {
  return /<html lang="([^"]+)">/.exec(html)?.[1];
}

function titleOf(html: string): string {
  return textOf(/<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? '');
}

describe('language', () => {
  const ctx = useTestApp();

  it('speaks German by default', async () => {
    const home = await newAgent(ctx.app).get('/');
    expect(home.status).toBe(200);
    expect(htmlLang(home.text)).toBe('de');
    expect(titleOf(home.text)).toBe('Willkommen – KoKoMa Campus');
    expect(textOf(home.text)).toContain('Zum Inhalt springen');
  });

  it('switches this device to English with the language link and returns to the page', async () => {
    const agent = newAgent(ctx.app);
    const response = await agent.get('/language/en').query({ returnTo: '/login' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login');
    expect(String(response.headers['set-cookie'])).toMatch(/(^|,\s*)lang=en;/);

    const login = await agent.get('/login');
    expect(htmlLang(login.text)).toBe('en');
    expect(titleOf(login.text)).toBe('Log in – KoKoMa Campus');
    expect(textOf(login.text)).toContain('Log in with your e-mail address and password.');
    expect(textOf(login.text)).not.toContain('Passwort');
    // The link back to German is offered in German.
    expect(login.text).toContain('href="/language/de?returnTo=%2Flogin"');

    await agent.get('/language/de').query({ returnTo: '/login' });
    expect(htmlLang((await agent.get('/login')).text)).toBe('de');
  });

  it('shows English validation messages on English pages', async () => {
    const agent = newAgent(ctx.app);
    await agent.get('/language/en');
    const response = await submitForm(agent, '/login', '/login', { email: '', password: '' });
    expect(response.status).toBe(422);
    expect(textOf(response.text)).toContain('Please check your entries');
    expect(textOf(response.text)).not.toContain('Bitte füllen Sie dieses Feld aus.');
  });

  it('never redirects to another site after switching', async () => {
    for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const response = await newAgent(ctx.app).get('/language/en').query({ returnTo });
      expect(response.headers.location).toBe('/');
    }
  });

  it('an unknown language falls back to German', async () => {
    const agent = newAgent(ctx.app);
    await agent.get('/language/en');
    await agent.get('/language/fr');
    expect(htmlLang((await agent.get('/')).text)).toBe('de');
  });

  it("uses a logged-in person's saved language on every device, also for their e-mails", async () => {
    const user = await createUser(ctx.db, { firstName: 'Grace', lastName: 'Hopper' });
    const agent = await loginAs(ctx.app, user);
    expect(htmlLang((await agent.get('/account')).text)).toBe('de');
    const save = await submitForm(agent, '/account', '/account/language', { lang: 'en' });
    expect(save.status).toBe(303);
    expect(htmlLang((await agent.get('/account')).text)).toBe('en');
    expect((await ctx.db('users').where({ id: user.id }).first()).locale).toBe('en');

    // Another device, no language cookie: the account's language applies after login.
    const elsewhere = await loginAs(ctx.app, user);
    const home = await elsewhere.get('/');
    expect(htmlLang(home.text)).toBe('en');
    expect(textOf(home.text)).toContain('Hello, Grace!');

    await submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email: user.email });
    await ctx.deliverMail();
    expect(ctx.mailbox.at(-1)?.subject).toBe('Reset your password');
    expect(ctx.mailbox.at(-1)?.text).toContain('Dear Grace Hopper,');
  });

  it("lets this device's choice win over the account's language", async () => {
    const user = await createUser(ctx.db, { locale: 'en' });
    const agent = await loginAs(ctx.app, user);
    expect(htmlLang((await agent.get('/')).text)).toBe('en');
    await agent.get('/language/de');
    expect(htmlLang((await agent.get('/')).text)).toBe('de');
  });
});

describe('error pages', () => {
  const ctx = useTestApp();

  it('renders an unknown address as a German 404 page inside the layout', async () => {
    const response = await newAgent(ctx.app).get('/gibt-es-nicht');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(htmlLang(response.text)).toBe('de');
    expect(titleOf(response.text)).toBe('Seite nicht gefunden – KoKoMa Campus');
    const text = textOf(response.text);
    expect(text).toContain('Die aufgerufene Seite gibt es nicht (mehr).');
    expect(text).toContain('Fehlercode 404');
    // Layout: skip link, header with login, footer links.
    expect(text).toContain('Zum Inhalt springen');
    expect(response.text).toContain('<main id="main"');
    expect(response.text).toContain('href="/impressum"');
    expect(response.text).toContain('href="/login"');
  });

  it('renders the 404 page in English for an English visitor and without stack traces', async () => {
    const agent = newAgent(ctx.app);
    await agent.get('/language/en');
    const response = await agent.get('/admin/users/999999/gibt-es-nicht');
    expect(response.status).toBe(404);
    expect(htmlLang(response.text)).toBe('en');
    expect(titleOf(response.text)).toBe('Page not found – KoKoMa Campus');
    expect(response.text).not.toMatch(/at \S+ \(\/|node_modules/);
  });
});

describe('error pages for requests Express itself refuses', () => {
  const ctx = useTestApp();

  it('answers a missing static file with 404, not a server error', async () => {
    for (const path of ['/static/css/gibt-es-nicht.css', '/static/kern/gibt-es-nicht.js']) {
      const response = await newAgent(ctx.app).get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(textOf(response.text)).not.toContain('technischer Fehler');
    }
  });

  it('answers a malformed address with 400 in the layout', async () => {
    const response = await newAgent(ctx.app).get('/register/verify/%E0%A4%A');
    expect(response.status).toBe(400);
    expect(htmlLang(response.text)).toBe('de');
    expect(titleOf(response.text)).toBe('Ungültige Eingabe – KoKoMa Campus');
    expect(textOf(response.text)).toContain('Fehlercode 400');
  });
});

describe('security headers and markup without inline code', () => {
  const ctx = useTestApp();

  /** Every page a visitor can open: all GET routes without parameters, plus pages with ids and error pages. */
  async function pagesSeenBy(agent: Agent, extraPaths: string[]): Promise<{ path: string; status: number; html: string; csp: string }[]> {
    const plainGets = routesInApp(ctx.app)
      .filter((route) => route.startsWith('GET ') && !route.includes(':'))
      .map((route) => route.slice(4));
    const pages = [];
    for (const path of [...plainGets, ...extraPaths]) {
      const response = await agent.get(path);
      if (!String(response.headers['content-type']).startsWith('text/html')) continue;
      pages.push({ path, status: response.status, html: response.text, csp: String(response.headers['content-security-policy']) });
    }
    return pages;
  }

  async function allPages() {
    const organisation = await createOrganisation(ctx.db);
    const admin = await createUser(ctx.db, { role: 'admin', organisationId: organisation.id });
    const anonymous = await pagesSeenBy(newAgent(ctx.app), ['/gibt-es-nicht', '/register/verify/abgelaufen', '/password/reset/abgelaufen']);
    const asAdmin = await pagesSeenBy(await loginAs(ctx.app, admin), [`/admin/users/${admin.id}`, `/admin/organisations/${organisation.id}`]);
    const invalidForm = await submitForm(newAgent(ctx.app), '/register', '/register', { firstName: '' });
    return [...anonymous, ...asAdmin, { path: 'POST /register (422)', status: invalidForm.status, html: invalidForm.text, csp: String(invalidForm.headers['content-security-policy']) }];
  }

  it('sends a strict Content-Security-Policy without unsafe-inline on every page', async () => {
    const pages = await allPages();
    expect(pages.length).toBeGreaterThan(15);
    for (const page of pages) {
      expect({ path: page.path, csp: page.csp }).toEqual({ path: page.path, csp: expect.stringContaining("script-src 'self'") });
      expect(page.csp).toContain("style-src 'self'");
      expect(page.csp).toContain("default-src 'self'");
      expect(page.csp).toContain("frame-ancestors 'none'");
      expect(page.csp).not.toContain('unsafe-inline');
      expect(page.csp).not.toContain('unsafe-eval');
    }
  });

  it('has no inline script, style attribute or inline event handler on any page', async () => {
    const pages = await allPages();
    const statuses = new Set(pages.map((page) => page.status));
    expect([...statuses]).toEqual(expect.arrayContaining([200, 404, 410, 422]));
    const offending = pages.flatMap((page) => {
      const problems = [
        ...[...page.html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/gi)].map((match) => `inline script ${match[0]}`),
        ...[...page.html.matchAll(/<[a-z][^>]*\sstyle\s*=[^>]*>/gi)].map((match) => `style attribute ${match[0]}`),
        ...[...page.html.matchAll(/<[a-z][^>]*\son[a-z]+\s*=[^>]*>/gi)].map((match) => `event handler ${match[0]}`),
      ];
      return problems.map((problem) => `${page.path}: ${problem}`);
    });
    expect(offending).toEqual([]);
  });

  it('shows names with markup as text, never as markup', async () => {
    const markup = '<img src=x onerror=alert(1)>';
    const person = await createUser(ctx.db, { firstName: markup, lastName: '"Quote\'s"' });
    const admin = await createUser(ctx.db, { role: 'admin' });
    const own = await (await loginAs(ctx.app, person)).get('/');
    const adminAgent = await loginAs(ctx.app, admin);
    const list = await adminAgent.get('/admin/users');
    const detail = await adminAgent.get(`/admin/users/${person.id}`);
    for (const page of [own, list, detail]) {
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(markup);
      expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    expect(decodeEntities(textOf(own.text))).toContain(`Angemeldet als ${markup} "Quote's"`);
  });

  it('serves every stylesheet and script the layout links to', async () => {
    const home = await newAgent(ctx.app).get('/');
    const assets = [...home.text.matchAll(/<(?:link[^>]*href|script[^>]*src)="(\/static\/[^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      const response = await newAgent(ctx.app).get(asset);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
    }
  });
});

describe('health check', () => {
  const ctx = useTestApp();

  it('reports ok with a reachable database', async () => {
    const response = await newAgent(ctx.app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', db: 'ok' });
  });

  it('answers 503 when the database is unreachable', async () => {
    const closedPort = await unusedPort();
    const url = `postgres://postgres:postgres@127.0.0.1:${closedPort}/nirgends`;
    const config = testConfig();
    const db = createDatabase(url, { min: 0, max: 1 });
    const mailer: Mailer = { send: async () => undefined, close: () => undefined };
    const { app, close } = createApp({ config, db, databaseUrl: url, logger: createLogger(config), mailer });
    // Knex reports the refused connection on the console; that refusal is the point here.
    const knexWarning = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const response = await request(app).get('/healthz');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'error', db: 'down' });
    } finally {
      knexWarning.mockRestore();
      await close();
      await db.destroy();
    }
  });
});

/** A port nothing listens on: bound once to find it free, then closed again. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
