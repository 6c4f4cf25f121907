import { hashPassword } from '../../src/accounts/passwords';
import type { Role } from '../../src/accounts/roles';
import type { Database } from '../../src/db/database';

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
  overrides: Partial<{ email: string; firstName: string; lastName: string; role: Role; active: boolean; verified: boolean; organisationId: number | null; locale: 'de' | 'en' }> = {},
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
  return { id: (row as { id: number }).id, email: user.email, firstName: user.first_name, lastName: user.last_name, role, password: PASSWORD };
}
