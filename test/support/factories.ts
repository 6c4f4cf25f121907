import { hashPassword } from '../../src/accounts/passwords';
import type { Role } from '../../src/accounts/roles';
import type { Database } from '../../src/db/database';
import { loadConfig } from '../../src/config';
import { encryptSecret, secondFactorKeys } from '../../src/accounts/second-factor/second-factor.crypto';
import { secondFactorRequired } from '../../src/accounts/second-factor/second-factor.rules';
import { codeForStep, newTotpSecret, stepAt } from '../../src/accounts/second-factor/totp';

export const PASSWORD = 'Sicheres-Passwort-1';
let passwordHash: Promise<string> | undefined;

let sequence = 0;
const next = () => (sequence += 1);

export async function createOrganisation(db: Database, overrides: Partial<{ name: string; kind: string; active: boolean }> = {}) {
  const [row] = await db('organisations')
    .insert({ name: `Gemeinde Testhausen ${next()}`, kind: 'municipality', active: true, ...overrides })
    .returning(['id', 'name', 'kind', 'active']);
  return row as { id: number; name: string; kind: string; active: boolean };
}

export type TestUser = { id: number; email: string; firstName: string; lastName: string; role: Role; password: string };

export async function createUser(
  db: Database,
  overrides: Partial<{ email: string; firstName: string; lastName: string; role: Role; active: boolean; verified: boolean; organisationId: number | null; locale: 'de' | 'en'; secondFactor: boolean }> = {},
): Promise<TestUser> {
  passwordHash ??= hashPassword(PASSWORD);
  const n = next();
  const role = overrides.role ?? 'participant';
  const organisationId = overrides.organisationId !== undefined ? overrides.organisationId : (await createOrganisation(db)).id;
  const user = {
    email: overrides.email ?? `person${n}@gemeinde.example`,
    first_name: overrides.firstName ?? 'Erika',
    last_name: overrides.lastName ?? `Muster${n}`,
    role,
    organisation_id: organisationId,
    password_hash: await passwordHash,
    active: overrides.active ?? true,
    locale: overrides.locale ?? 'de',
    email_verified_at: overrides.verified === false ? null : new Date(),
  };
  const [row] = await db('users').insert(user).returning('id');
  const id = (row as { id: number }).id;
  // Staff must have a second factor: they get an authenticator key the tests know (loginAs types its codes).
  if (overrides.secondFactor ?? secondFactorRequired(role)) await giveSecondFactor(db, id, user.email);
  return { id, email: user.email, firstName: user.first_name, lastName: user.last_name, role, password: PASSWORD };
}

/**
 * The TOTP keys of the people the tests created or set up, by e-mail address, and the last
 * step a code was typed for (the app takes each step once): test memory only, like a phone.
 */
const authenticators = new Map<string, { secret: string; lastStep: number }>();

/** Remembers a key read from the setup page (loginAs, the browser's logIn), as a phone would. */
export function rememberAuthenticator(email: string, secret: string, usedStep: number): void {
  authenticators.set(email.toLowerCase(), { secret: secret.replace(/\s+/g, ''), lastStep: usedStep });
}

export function hasAuthenticator(email: string): boolean {
  return authenticators.has(email.toLowerCase());
}

/**
 * The next code the app would accept for this person: the current step, or the next one when
 * the current was used (the app takes ±1 step). Never the previous step: on a loaded machine the
 * request may reach the app after the next boundary, and the current step is then still inside
 * the window. Logging the same person in more than twice within 30 seconds waits for the next
 * step, as a person would.
 */
export async function nextTotpCode(email: string): Promise<string> {
  const known = authenticators.get(email.toLowerCase());
  if (!known) throw new Error(`no authenticator known for ${email}: create staff with createUser or log in through loginAs first`);
  let step = Math.max(stepAt(Date.now()), known.lastStep + 1);
  while (step > stepAt(Date.now()) + 1) await new Promise((resolve) => setTimeout(resolve, 1000));
  step = Math.max(stepAt(Date.now()), step);
  known.lastStep = step;
  return codeForStep(known.secret, step);
}

/** Gives a person an authenticator key (as if set up), stored the way the app stores it. */
export async function giveSecondFactor(db: Database, userId: number, email: string): Promise<string> {
  const secret = newTotpSecret();
  const keys = secondFactorKeys(loadConfig({ NODE_ENV: 'test' }).secondFactorSecret);
  await db('second_factors').insert({ user_id: userId, totp_secret_encrypted: encryptSecret(keys, userId, secret), last_used_step: null });
  authenticators.set(email.toLowerCase(), { secret, lastStep: 0 });
  return secret;
}
