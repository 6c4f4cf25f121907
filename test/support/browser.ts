import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Result as AxeResult } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { createApp as createAppFromSource } from '../../src/app';
import type { Config } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer';
import { testConfig } from './app';
import { codeForStep, stepAt } from '../../src/accounts/second-factor/totp';
import { nextTotpCode, rememberAuthenticator } from './factories';

/**
 * `E2E_BUILD=1` runs the browser suite against the compiled build in dist/ (what
 * `npm run start:prod` serves; `npm run build` first), so CI proves the build serves every page.
 */
const createApp: typeof createAppFromSource = process.env.E2E_BUILD
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require(path.resolve(__dirname, '..', '..', 'dist', 'src', 'app.js')) as { createApp: typeof createAppFromSource }).createApp
  : createAppFromSource;
import { openTestDatabase, testDatabaseUrl, truncateAll } from './database';

/** Debian's Chromium; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WCAG 2.1 A and AA: what the platform has to meet. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export type BrowserTestContext = {
  db: Database;
  config: Config;
  /** Mails the transport delivered during the current test, in order (the app delivers after the response). */
  mailbox: OutgoingMail[];
  /** Waits for the app's background mail delivery and sends what is due: call before reading `mailbox`. */
  deliverMail(): Promise<void>;
  /** http://127.0.0.1:<port> of the running app. */
  origin: string;
  /** A fresh page in a fresh browser context (no cookies) for each test. */
  page: Page;
  /** Opens a path of the app, then checks the page with axe and for console errors. */
  visit(pathname: string, page?: Page): Promise<Response | null>;
  /**
   * Runs an action that loads a new document (a link, a form submission), waits for
   * it to load and checks it like `visit` does.
   */
  follow(action: () => Promise<unknown>, page?: Page): Promise<void>;
  /** axe-core (WCAG 2.1 A/AA) on the page as it is now, plus no console errors so far. */
  checkA11y(page?: Page): Promise<void>;
  /** Opens a second, independent browser context (another person); closed after the test. */
  newPage(): Promise<Page>;
  /** Logs a person in through the login form (German labels), checking each page like `visit`; staff type their second factor's code too. */
  logIn(page: Page, user: { email: string; password: string }): Promise<void>;
  /** After the password: types the app's code, or sets the app up when the setup page is shown (staff without one). */
  passSecondFactor(page: Page, email: string): Promise<void>;
  /** Writes /tmp/e2e-<name>.png when E2E_SCREENSHOTS is set (for looking at the layout). */
  screenshot(name: string, page?: Page): Promise<void>;
};

type PageWatch = {
  /** Console errors, uncaught exceptions and failed requests (CSP violations show up here). */
  problems: string[];
  /** The document loaded last, until axe has looked at it. */
  unchecked: string | null;
  /** Documents that were left before axe looked at them. */
  missed: string[];
};

/**
 * The real app (same construction as `useTestApp`) listening on 127.0.0.1 on a free
 * port, and one Chromium per test file. Every document a test loads must be checked
 * with axe (`visit`, `follow` or `checkA11y`); a page left unchecked, an axe violation
 * or a console error fails the test. Tables are emptied before each test.
 */
export function useBrowserApp(overrides: Record<string, string> = {}): BrowserTestContext {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let closeApp: () => Promise<void> = async () => undefined;
  const contexts: BrowserContext[] = [];
  const watches = new Map<Page, PageWatch>();

  const watch = (page: Page): PageWatch => {
    const state: PageWatch = { problems: [], unchecked: null, missed: [] };
    watches.set(page, state);
    // Chromium logs every 4xx/5xx answer as a console error. A document answered with 4xx
    // (e.g. 422 for a form with errors) is a state the test asserts; a 5xx document and
    // failed subresources are reported once, with their URL, here.
    const explained = new Set<string>();
    page.on('response', (response) => {
      const request = response.request();
      if (response.status() < 400) return;
      explained.add(`${response.status()} ${response.url()}`);
      const isDocument = request.isNavigationRequest() && request.frame() === page.mainFrame();
      if (!isDocument || response.status() >= 500) {
        state.problems.push(`${request.resourceType()} ${response.url()} answered ${response.status()} (on ${page.url()})`);
      }
    });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const failedLoad = /^Failed to load resource: the server responded with a status of (\d+)/.exec(message.text());
      if (failedLoad && explained.has(`${failedLoad[1]} ${message.location().url}`)) return;
      // The app has no icon yet and Chromium asks for /favicon.ico on its own.
      if (failedLoad?.[1] === '404' && message.location().url === `${context.origin}/favicon.ico`) return;
      state.problems.push(`console error on ${page.url()}: ${message.text()}${message.location().url ? ` (${message.location().url})` : ''}`);
    });
    page.on('pageerror', (error) => state.problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
    page.on('requestfailed', (request) => {
      const reason = request.failure()?.errorText ?? 'unknown';
      // Requests cut off by the next navigation are not failures of the page.
      if (reason !== 'net::ERR_ABORTED') state.problems.push(`request failed: ${request.url()} (${reason})`);
    });
    page.on('load', () => {
      if (state.unchecked) state.missed.push(state.unchecked);
      state.unchecked = page.url();
    });
    return state;
  };

  const openPage = async (): Promise<Page> => {
    if (!browser) throw new Error('browser not started');
    const browserContext = await browser.newContext({ baseURL: context.origin, locale: 'de-DE', viewport: { width: 1280, height: 900 } });
    contexts.push(browserContext);
    const page = await browserContext.newPage();
    watch(page);
    return page;
  };

  const checkA11y = async (page: Page = context.page): Promise<void> => {
    const state = watches.get(page);
    if (!state) throw new Error('checkA11y: not a page of this test');
    // Legacy mode runs axe in the page itself (our pages have no cross-origin frames)
    // instead of finishing in an extra blank page: half the time per check.
    const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).setLegacyMode(true).analyze();
    state.unchecked = null;
    const report: string[] = [];
    if (results.violations.length > 0) report.push(formatViolations(page.url(), results.violations));
    // Reported here, so not again after the test.
    if (state.problems.length > 0) report.push(state.problems.splice(0).join('\n'));
    if (report.length > 0) throw new Error(report.join('\n\n'));
  };

  const context = {
    checkA11y,
    newPage: openPage,
    async visit(pathname: string, page: Page = context.page) {
      const response = await page.goto(pathname);
      await checkA11y(page);
      return response;
    },
    async follow(action: () => Promise<unknown>, page: Page = context.page) {
      const loaded = page.waitForEvent('load');
      await action();
      await loaded;
      await checkA11y(page);
    },
    async logIn(page: Page, user: { email: string; password: string }) {
      await context.visit('/login', page);
      await page.getByLabel('E-Mail-Adresse').fill(user.email);
      await page.getByLabel('Passwort', { exact: true }).fill(user.password);
      await context.follow(() => page.getByRole('button', { name: 'Anmelden' }).click(), page);
      await context.passSecondFactor(page, user.email);
    },
    async passSecondFactor(page: Page, email: string) {
      const { pathname } = new URL(page.url());
      if (pathname === '/login/code') {
        await page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(email));
        await context.follow(() => page.getByRole('button', { name: 'Bestätigen' }).click(), page);
      } else if (pathname === '/account/second-factor/setup') {
        // Staff without a second factor: set the app up from the key shown for typing.
        const typedKey = ((await page.locator('[data-typed-key]').textContent()) ?? '').replace(/\s+/g, '');
        const step = stepAt(Date.now());
        await page.getByLabel('Code aus der App').fill(codeForStep(typedKey, step));
        await context.follow(() => page.getByRole('button', { name: 'Einrichten' }).click(), page);
        rememberAuthenticator(email, typedKey, step);
        await context.follow(() => page.getByRole('link', { name: 'Weiter' }).click(), page);
      }
    },
    async screenshot(name: string, page: Page = context.page) {
      if (!process.env.E2E_SCREENSHOTS) return;
      await page.screenshot({ path: path.join('/tmp', `e2e-${name}.png`), fullPage: true });
    },
  } as BrowserTestContext;

  beforeAll(async () => {
    context.config = testConfig(overrides);
    context.db = openTestDatabase();
    context.mailbox = [];
    const mailer: Mailer = {
      send: async (mail) => {
        context.mailbox.push(mail);
      },
      close: () => undefined,
    };
    const built = createApp({ config: context.config, db: context.db, databaseUrl: testDatabaseUrl(), logger: createLogger(context.config), mailer });
    closeApp = built.close;
    context.deliverMail = async () => {
      await built.outbox.idle();
      await built.outbox.deliverDue();
    };
    server = await new Promise<Server>((resolve, reject) => {
      const listening = built.app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
    });
    context.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  beforeEach(async () => {
    await context.deliverMail?.();
    context.mailbox.length = 0;
    await truncateAll(context.db);
    context.page = await openPage();
  });

  afterEach(async () => {
    const problems: string[] = [];
    for (const state of watches.values()) {
      problems.push(...state.problems);
      for (const url of [...state.missed, ...(state.unchecked ? [state.unchecked] : [])]) problems.push(`page not checked with axe: ${url}`);
    }
    watches.clear();
    await Promise.all(contexts.splice(0).map((browserContext) => browserContext.close()));
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      const closing = server;
      await new Promise<void>((resolve, reject) => {
        closing.close((error) => (error ? reject(error) : resolve()));
        closing.closeAllConnections();
      });
    }
    await closeApp();
    await context.db?.destroy();
  });

  return context;
}

function formatViolations(url: string, violations: AxeResult[]): string {
  const lines = [`axe found ${violations.length} WCAG violation(s) on ${url}:`];
  for (const violation of violations) {
    lines.push(`- [${violation.impact ?? 'unknown'}] ${violation.id}: ${violation.help} (${violation.helpUrl})`);
    for (const node of violation.nodes) {
      lines.push(`    at ${node.target.join(' ')}`);
      lines.push(`       ${node.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (node.failureSummary) lines.push(...node.failureSummary.split('\n').map((line) => `       ${line}`));
    }
  }
  return lines.join('\n');
}
