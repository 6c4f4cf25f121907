import request from 'supertest';
import type { Express } from 'express';
import type TestAgent from 'supertest/lib/agent';
import type { Response } from 'superagent';
import { codeForStep, stepAt } from '../../src/accounts/second-factor/totp';
import { nextTotpCode, rememberAuthenticator } from './factories';

export type Agent = InstanceType<typeof TestAgent>;

export function csrfTokenIn(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

/** A browser-like client: keeps cookies, reads the CSRF token from the page like a form would. */
export function newAgent(app: Express): Agent {
  return request.agent(app);
}

/** GETs the page holding the form, then submits the form with the page's CSRF token. */
export async function submitForm(agent: Agent, formPage: string, action: string, fields: Record<string, string>) {
  const page = await agent.get(formPage);
  const token = csrfTokenIn(page.text);
  return agent.post(action).type('form').send({ ...fields, _csrf: token });
}

export async function loginAs(app: Express, user: { email: string; password: string }): Promise<Agent> {
  const agent = newAgent(app);
  const response = await submitForm(agent, '/login', '/login', { email: user.email, password: user.password });
  if (response.status !== 303) throw new Error(`login failed for ${user.email}: ${response.status}`);
  await passSecondFactor(agent, user.email, response.headers.location ?? '');
  return agent;
}

const codeTurns = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier turn of the same person has finished (failed or not). */
function inTurnOf<T>(email: string, work: () => Promise<T>): Promise<T> {
  const key = email.toLowerCase();
  const mine = (codeTurns.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
  codeTurns.set(key, mine);
  return mine;
}

/**
 * What a person does after the password when a second factor is asked: types the app's code,
 * or (staff without one) sets the app up from the key shown on the page. Through the real
 * forms; the tests know the keys as a phone would (factories.ts).
 */
export async function passSecondFactor(agent: Agent, email: string, location: string): Promise<void> {
  if (location === '/login/code') {
    // One code at a time per person: the app refuses a code of an earlier step than the last one
    // used (replay), so parallel logins of one person must reach it in the order of their codes.
    const response = await inTurnOf(email, async () => submitForm(agent, '/login/code', '/login/code', { code: await nextTotpCode(email) }));
    if (response.status !== 303) throw new Error(`second factor refused for ${email}: ${response.status}`);
  } else if (location.startsWith('/account/second-factor/setup')) {
    const page = await agent.get(location);
    const typedKey = typedKeyIn(page.text);
    const step = stepAt(Date.now());
    const response = await agent
      .post('/account/second-factor/setup')
      .type('form')
      .send({ secret: hiddenValue(page.text, 'secret'), code: codeForStep(typedKey, step), _csrf: csrfTokenIn(page.text) });
    if (response.status !== 200) throw new Error(`second factor setup failed for ${email}: ${response.status}`);
    rememberAuthenticator(email, typedKey, step);
  }
}

/** The authenticator key as the setup page shows it for typing ("ABCD EFGH …"), without the spaces. */
export function typedKeyIn(html: string): string {
  const match = html.match(/data-typed-key>([A-Z2-7 ]+)</);
  if (!match?.[1]) throw new Error('no typed key on the page');
  return match[1].replace(/\s+/g, '');
}

export function hiddenValue(html: string, name: string): string {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!match?.[1]) throw new Error(`no hidden field ${name} on the page`);
  return match[1];
}

/** Visible text of a page, tags stripped and whitespace folded, for asserting what a person reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Supertest parser that keeps a response body as raw bytes (PDF, XLSX, CSV with BOM, downloads). */
export function binaryParser(response: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (error: Error) => callback(error, Buffer.alloc(0)));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}
