import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Locale } from '../i18n/i18n';
import { emailKey, organisationKey } from '../enrollment/bulk-plan';
import { readPeopleList, type ListColumns } from '../shared/people-list';
import type { Role } from './roles';

/**
 * Inviting from a list, the pure part: reading a German-Excel CSV (semicolons, UTF-8 with
 * BOM) or pasted lines, and planning row by row what confirming would do. The service
 * gathers the facts (existing accounts, organisations) and runs the plan in a transaction.
 */

export const MAX_INVITATION_ROWS = 500;
export const MAX_NAME_LENGTH = 60;

export type InvitationRow = { line: number; email: string; firstName: string; lastName: string; organisation: string; role: string; language: string };

/** Without a header: E-Mail; Vorname; Nachname; Organisation; Rolle; Sprache. */
const INVITATION_COLUMNS: ListColumns<'email' | 'firstName' | 'lastName' | 'organisation' | 'role' | 'language'> = {
  positional: { email: 0, firstName: 1, lastName: 2, organisation: 3, role: 4, language: 5 },
  headerNames: {
    email: ['email', 'mail', 'emailadresse', 'mailadresse', 'emailaddress', 'dienstlicheemailadresse'],
    firstName: ['vorname', 'firstname', 'givenname', 'rufname'],
    lastName: ['nachname', 'lastname', 'surname', 'familyname', 'familienname'],
    organisation: ['organisation', 'organization', 'kommune', 'gemeinde', 'behörde', 'dienststelle', 'verwaltung', 'arbeitgeber', 'einrichtung'],
    role: ['rolle', 'role'],
    language: ['sprache', 'language', 'locale'],
  },
};

/** Role cells in German (as the pages name them) or as the internal names. */
const ROLE_NAMES: Record<string, Role> = {
  teilnehmende: 'participant',
  teilnehmender: 'participant',
  teilnehmerin: 'participant',
  teilnehmer: 'participant',
  participant: 'participant',
  referentin: 'trainer',
  referent: 'trainer',
  trainer: 'trainer',
  koordination: 'coordinator',
  coordinator: 'coordinator',
  administration: 'admin',
  admin: 'admin',
};

const LANGUAGE_NAMES: Record<string, Locale> = { de: 'de', deutsch: 'de', german: 'de', en: 'en', englisch: 'en', english: 'en' };

const cellKey = (cell: string) => cell.toLowerCase().replace(/[^a-zäöüß]/g, '');

export function roleOf(cell: string): Role | undefined {
  return cell.trim() === '' ? 'participant' : ROLE_NAMES[cellKey(cell)];
}

export function languageOf(cell: string): Locale | undefined {
  return cell.trim() === '' ? 'de' : LANGUAGE_NAMES[cellKey(cell)];
}

export type ListResult = { ok: true; rows: InvitationRow[] } | { ok: false; error: string; params?: Record<string, unknown> };

/** One person per line; blank lines are skipped; `line` is the line in the file. */
export function parseInvitationList(text: string): ListResult {
  const read = readPeopleList(text, INVITATION_COLUMNS, MAX_INVITATION_ROWS);
  if (read.ok) return { ok: true, rows: read.rows };
  if (read.problem === 'tooManyRows') return { ok: false, error: 'admin.invitations.errors.tooManyRows', params: { max: MAX_INVITATION_ROWS, count: read.count } };
  return { ok: false, error: `admin.invitations.errors.${read.problem}` };
}

export type InvitationContext = {
  /** People with an account, by lower-case address: their name as the account has it. */
  accounts: ReadonlyMap<string, { userId: number; name: string }>;
  /** Active organisations, by `organisationKey(name)`. */
  organisations: ReadonlyMap<string, { id: number; name: string }>;
};

export type PlannedInvitation = InvitationRow &
  (
    | { kind: 'new'; organisationId: number; organisationName: string; roleValue: Role; locale: Locale }
    | { kind: 'exists'; userId: number; accountName: string }
    | { kind: 'error'; error: string; params: Record<string, unknown> }
  );

export type InvitationPlan = { rows: PlannedInvitation[]; counts: { rows: number; new: number; exists: number; errors: number }; fingerprint: string };

const emailSchema = z.email();
/** The same rule as the registration form's name fields: letters, spaces, hyphen, apostrophe, dot. */
const NAME_PATTERN = /^\p{L}[\p{L}\p{M} .'’-]*$/u;

export function planInvitations(rows: InvitationRow[], context: InvitationContext): InvitationPlan {
  const firstLineOf = new Map<string, number>();
  const error = (row: InvitationRow, key: string, params: Record<string, unknown> = {}): PlannedInvitation => ({ ...row, kind: 'error', error: `admin.invitations.rowErrors.${key}`, params });
  const planned = rows.map((row): PlannedInvitation => {
    if (!row.email) return error(row, 'emailMissing');
    if (row.email.length > 254 || !emailSchema.safeParse(row.email).success) return error(row, 'emailInvalid');
    const key = emailKey(row.email);
    const firstLine = firstLineOf.get(key);
    if (firstLine !== undefined) return error(row, 'duplicate', { line: firstLine });
    firstLineOf.set(key, row.line);
    const account = context.accounts.get(key);
    if (account) return { ...row, kind: 'exists', userId: account.userId, accountName: account.name };
    if (!row.firstName || !row.lastName) return error(row, 'namesMissing');
    if (row.firstName.length > MAX_NAME_LENGTH || row.lastName.length > MAX_NAME_LENGTH) return error(row, 'nameTooLong', { max: MAX_NAME_LENGTH });
    if (!NAME_PATTERN.test(row.firstName) || !NAME_PATTERN.test(row.lastName)) return error(row, 'nameInvalid');
    if (!row.organisation) return error(row, 'organisationMissing');
    const organisation = context.organisations.get(organisationKey(row.organisation));
    if (!organisation) return error(row, 'organisationUnknown', { organisation: row.organisation });
    const role = roleOf(row.role);
    if (!role) return error(row, 'roleUnknown', { role: row.role });
    const locale = languageOf(row.language);
    if (!locale) return error(row, 'languageUnknown', { language: row.language });
    return { ...row, kind: 'new', organisationId: organisation.id, organisationName: organisation.name, roleValue: role, locale };
  });
  const counts = { rows: planned.length, new: 0, exists: 0, errors: 0 };
  for (const row of planned) {
    if (row.kind === 'new') counts.new += 1;
    else if (row.kind === 'exists') counts.exists += 1;
    else counts.errors += 1;
  }
  return { rows: planned, counts, fingerprint: fingerprintOf(planned) };
}

/** Confirming refuses a plan that no longer matches the preview (an account appeared meanwhile). */
function fingerprintOf(rows: PlannedInvitation[]): string {
  const outline = rows.map((row) => {
    const base = [row.line, emailKey(row.email), row.kind];
    if (row.kind === 'new') return [...base, row.organisationId, row.roleValue, row.locale, row.firstName, row.lastName];
    if (row.kind === 'exists') return [...base, row.userId];
    return [...base, row.error];
  });
  return createHash('sha256').update(JSON.stringify(outline)).digest('hex');
}
