import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import PDFDocument from 'pdfkit';
import { Client } from 'pg';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/database';
import { quoteIdentifier, startEmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/http/logger';
import { PDF_FONT } from '../../src/shared/pdf';
import { codeForStep, stepAt } from '../../src/accounts/second-factor/totp';

export type BenchApp = {
  db: Database;
  databaseUrl: string;
  config: Config;
  baseUrl: string;
  /** Logs in through the real form; returns the session cookie for later requests. */
  login: (email: string, password: string) => Promise<string>;
  close: () => Promise<void>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The real app on a fresh, migrated database (embedded PostgreSQL unless DATABASE_URL is
 * set), listening on 127.0.0.1 in production mode, as a benchmark's subject.
 */
export async function startBenchApp(): Promise<BenchApp> {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  let adminUrl: string;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const dataDir = path.resolve(__dirname, '..', '..', 'var', `bench-postgres-${runId}`);
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres', ephemeral: true });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const database = `kokoma_bench_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();

  const port = await freePort();
  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'bench-only-secret-bench-only-secret-0123', LOG_LEVEL: 'silent', PORT: String(port), BASE_URL: `http://127.0.0.1:${port}`, UPLOAD_DIR: `var/bench-uploads-${runId}` });
  const db = createDatabase(databaseUrl, { min: 0, max: 10 });
  await migrateToLatest(db);
  const logger = createLogger(config);
  const { app, close } = createApp({ config, db, databaseUrl, logger, mailer: { send: async () => undefined, close: () => undefined } });
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${port}`;

  const login = (email: string, password: string) => loginAt(baseUrl, email, password);

  return {
    db,
    databaseUrl,
    config,
    baseUrl,
    login,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
      await db.destroy();
      const cleanup = new Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
      await cleanup.end();
      if (stopEmbedded) await stopEmbedded();
      fs.rmSync(path.resolve(__dirname, '..', '..', 'var', `bench-uploads-${runId}`), { recursive: true, force: true });
    },
  };
}

/** Authenticator keys of the bench's staff (set up at their first login), as their phones would hold them. */
const authenticators = new Map<string, { secret: string; lastStep: number }>();

/**
 * Logs in through the real forms of the app at `baseUrl`; returns the session cookie. Staff
 * pass the second factor as people do: set the app up from the typed key at the first login,
 * then type its code (each step once, so a fourth login within 30 seconds waits a moment).
 */
export async function loginAt(baseUrl: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/login`, { headers: { 'x-forwarded-proto': 'https' } });
  // The form token's cookie; after the login also the session's: a browser sends both.
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((header) => header.split(';')[0]!);
  const jar = new Map(cookiesOf(page).map((pair) => [pair.split('=')[0]!, pair] as const));
  const keep = (response: Response) => cookiesOf(response).forEach((pair) => jar.set(pair.split('=')[0]!, pair));
  const cookie = () => [...jar.values()].join('; ');
  const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const post = async (pathname: string, fields: Record<string, string>) => {
    const response = await fetch(`${baseUrl}${pathname}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie(), 'x-forwarded-proto': 'https' },
      body: new URLSearchParams(fields).toString(),
    });
    keep(response);
    return response;
  };
  const get = async (pathname: string) => {
    const response = await fetch(`${baseUrl}${pathname}`, { redirect: 'manual', headers: { cookie: cookie(), 'x-forwarded-proto': 'https' } });
    keep(response);
    return { response, html: await response.text() };
  };

  const response = await post('/login', { email, password, _csrf: tokenIn(await page.text()) });
  if (response.status !== 303) throw new Error(`bench login failed: ${response.status}`);
  const location = response.headers.get('location') ?? '';
  if (location === '/login/code') {
    const known = authenticators.get(email);
    if (!known) throw new Error(`bench login: no authenticator known for ${email}`);
    let step = Math.max(stepAt(Date.now()) - 1, known.lastStep + 1);
    while (step > stepAt(Date.now()) + 1) await new Promise((resolve) => setTimeout(resolve, 1000));
    step = Math.max(stepAt(Date.now()) - 1, step);
    known.lastStep = step;
    const form = await get('/login/code');
    const done = await post('/login/code', { code: codeForStep(known.secret, step), _csrf: tokenIn(form.html) });
    if (done.status !== 303) throw new Error(`bench login: code refused: ${done.status}`);
  } else if (location.startsWith('/account/second-factor/setup')) {
    const form = await get(location);
    const secret = (/data-typed-key>([A-Z2-7 ]+)</.exec(form.html)?.[1] ?? '').replace(/\s+/g, '');
    const step = stepAt(Date.now());
    const sealed = /name="secret" value="([^"]+)"/.exec(form.html)?.[1] ?? '';
    const done = await post('/account/second-factor/setup', { secret: sealed, code: codeForStep(secret, step), _csrf: tokenIn(form.html) });
    if (done.status !== 200) throw new Error(`bench login: second factor setup failed: ${done.status}`);
    authenticators.set(email, { secret, lastStep: step });
  }
  return cookie();
}

/** Mean and percentiles of repeated timings, in milliseconds. */
export async function timeRepeatedly(times: number, run: () => Promise<unknown>): Promise<{ mean: number; p50: number; p95: number }> {
  const durations: number[] = [];
  for (let index = 0; index < times; index += 1) {
    const start = process.hrtime.bigint();
    await run();
    durations.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  durations.sort((a, b) => a - b);
  const at = (fraction: number) => durations[Math.min(durations.length - 1, Math.floor(fraction * durations.length))]!;
  return { mean: durations.reduce((sum, value) => sum + value, 0) / durations.length, p50: at(0.5), p95: at(0.95) };
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The PDF baseline: one A4 page with a line of text in the same embedded TTF font the app uses. */
export function renderBarePdfPage(): Promise<number> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4' });
    let size = 0;
    doc.on('data', (chunk: Buffer) => (size += chunk.length));
    doc.on('end', () => resolve(size));
    doc.font(PDF_FONT).fontSize(12).text('Teilnehmendenliste – Grüße aus Müllheim, Yılmaz');
    doc.end();
  });
}
