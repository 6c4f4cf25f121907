import { createHash } from 'node:crypto';
import { decodeListFile, MAX_FILE_BYTES, readPeopleList, sniffDelimiter, type ListColumns } from '../shared/people-list';
import { bulkEmail, MAX_NAME_LENGTH } from './bulk.schemas';
import type { EnrollmentStatus } from './enrollment.queries';

/**
 * Bulk enrollment, the pure part: reading a pasted or uploaded list and planning, row by
 * row, what taking it over would do. No database here: the enrollment service gathers
 * the facts (who has an account, free seats, organisations) and runs the plan under the
 * offering's lock.
 */

export const MAX_ROWS = 500;

export type BulkRow = { line: number; email: string; firstName: string; lastName: string; organisation: string };

export type ListProblem = { error: string; params?: Record<string, unknown> };
export type ListResult<T> = ({ ok: true } & T) | ({ ok: false } & ListProblem);

const fail = (error: string, params?: Record<string, unknown>): { ok: false } & ListProblem => ({ ok: false, error, params });

// ----- reading -----

export { decodeListFile, MAX_FILE_BYTES, sniffDelimiter };

/** Without a header: E-Mail; Vorname; Nachname; Organisation. */
const BULK_COLUMNS: ListColumns<'email' | 'firstName' | 'lastName' | 'organisation'> = {
  positional: { email: 0, firstName: 1, lastName: 2, organisation: 3 },
  headerNames: {
    email: ['email', 'mail', 'emailadresse', 'mailadresse', 'emailaddress', 'dienstlicheemailadresse'],
    firstName: ['vorname', 'firstname', 'givenname', 'rufname'],
    lastName: ['nachname', 'lastname', 'surname', 'familyname', 'familienname'],
    organisation: ['organisation', 'organization', 'organisationsname', 'kommune', 'gemeinde', 'behörde', 'dienststelle', 'verwaltung', 'arbeitgeber', 'einrichtung', 'institution'],
  },
};

export type ParsedList = { rows: BulkRow[]; hasHeader: boolean };

/** Reads a list: one person per line, blank lines ignored; `line` is the line in the file. */
export function parseBulkList(text: string): ListResult<ParsedList> {
  const read = readPeopleList(text, BULK_COLUMNS, MAX_ROWS);
  if (read.ok) return { ok: true, rows: read.rows, hasHeader: read.hasHeader };
  if (read.problem === 'unreadable') return read.lastGoodLine > 0 ? fail('bulk.errors.unreadableAfter', { line: read.lastGoodLine }) : fail('bulk.errors.unreadable');
  if (read.problem === 'tooManyRows') return fail('bulk.errors.tooManyRows', { max: MAX_ROWS, count: read.count });
  return fail(`bulk.errors.${read.problem}`);
}

// ----- planning -----

export type ActiveStatus = Extract<EnrollmentStatus, 'pending' | 'confirmed' | 'waitlisted'>;

export type KnownPerson = { userId: number; active: boolean; name: string; organisationName: string | null; activeEnrollment: ActiveStatus | null };

/** What the database says, gathered by the enrollment service (under the lock when confirming). */
export type BulkContext = {
  /** People with an account, by lower-case e-mail address. */
  people: ReadonlyMap<string, KnownPerson>;
  /** Active organisations, by `organisationKey(name)`. */
  organisations: ReadonlyMap<string, { id: number; name: string }>;
  freeSeats: number;
  /** People on the waitlist already; new waitlist places come after them. */
  waitlisted: number;
};

export type Placement = { status: 'confirmed'; position: null } | { status: 'waitlisted'; position: number };

export type PlannedRow = BulkRow &
  (
    | { kind: 'invite'; organisationId: number; organisationName: string; placement: Placement }
    | { kind: 'enroll'; userId: number; accountName: string; accountOrganisation: string | null; placement: Placement }
    | { kind: 'alreadyEnrolled'; userId: number; accountName: string; accountOrganisation: string | null; status: ActiveStatus }
    | { kind: 'error'; error: string; params: Record<string, unknown> }
  );

export type BulkCounts = { rows: number; invited: number; enrolled: number; confirmed: number; waitlisted: number; alreadyEnrolled: number; errors: number };

export type BulkPlan = { rows: PlannedRow[]; counts: BulkCounts; hasErrors: boolean; fingerprint: string };

export const emailKey = (email: string) => email.trim().toLowerCase();
export const organisationKey = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * What would happen to each row, in file order, exactly as `placeInOffering` would do it:
 * a seat while seats are free, then the waitlist behind the people already on it.
 * Rows with errors take no seat; the first row of a duplicated address counts.
 */
export function planBulkEnrollment(rows: BulkRow[], context: BulkContext): BulkPlan {
  let freeSeats = Math.max(0, context.freeSeats);
  let waitlisted = context.waitlisted;
  const firstLineOf = new Map<string, number>();
  const place = (): Placement => {
    if (freeSeats > 0) {
      freeSeats -= 1;
      return { status: 'confirmed', position: null };
    }
    waitlisted += 1;
    return { status: 'waitlisted', position: waitlisted };
  };
  const error = (row: BulkRow, key: string, params: Record<string, unknown> = {}): PlannedRow => ({ ...row, kind: 'error', error: `bulk.rowErrors.${key}`, params });

  const planned = rows.map((row): PlannedRow => {
    if (!row.email) return error(row, 'emailMissing');
    if (!bulkEmail.safeParse(row.email).success) return error(row, 'emailInvalid');
    const key = emailKey(row.email);
    const firstLine = firstLineOf.get(key);
    if (firstLine !== undefined) return error(row, 'duplicate', { line: firstLine });
    firstLineOf.set(key, row.line);

    const person = context.people.get(key);
    if (person) {
      if (!person.active) return error(row, 'deactivated');
      const account = { userId: person.userId, accountName: person.name, accountOrganisation: person.organisationName };
      if (person.activeEnrollment) return { ...row, kind: 'alreadyEnrolled', ...account, status: person.activeEnrollment };
      return { ...row, kind: 'enroll', ...account, placement: place() };
    }

    if (!row.firstName || !row.lastName) return error(row, 'namesMissing');
    if (row.firstName.length > MAX_NAME_LENGTH || row.lastName.length > MAX_NAME_LENGTH) return error(row, 'nameTooLong', { max: MAX_NAME_LENGTH });
    if (!row.organisation) return error(row, 'organisationMissing');
    const organisation = context.organisations.get(organisationKey(row.organisation));
    if (!organisation) return error(row, 'organisationUnknown', { organisation: row.organisation });
    return { ...row, kind: 'invite', organisationId: organisation.id, organisationName: organisation.name, placement: place() };
  });

  const counts: BulkCounts = { rows: planned.length, invited: 0, enrolled: 0, confirmed: 0, waitlisted: 0, alreadyEnrolled: 0, errors: 0 };
  for (const row of planned) {
    if (row.kind === 'invite') counts.invited += 1;
    else if (row.kind === 'enroll') counts.enrolled += 1;
    else if (row.kind === 'alreadyEnrolled') counts.alreadyEnrolled += 1;
    else counts.errors += 1;
    if (row.kind === 'invite' || row.kind === 'enroll') counts[row.placement.status] += 1;
  }
  return { rows: planned, counts, hasErrors: counts.errors > 0, fingerprint: fingerprintOf(planned) };
}

/**
 * Sums up what a plan promises; confirming refuses when the plan under the lock has a
 * different fingerprint (someone took a seat or created an account in the meantime).
 */
function fingerprintOf(rows: PlannedRow[]): string {
  const outline = rows.map((row) => {
    const base = [row.line, emailKey(row.email), row.kind];
    switch (row.kind) {
      case 'invite':
        return [...base, row.organisationId, row.placement.status, row.placement.position];
      case 'enroll':
        return [...base, row.userId, row.placement.status, row.placement.position];
      case 'alreadyEnrolled':
        return [...base, row.userId, row.status];
      default:
        return [...base, row.error];
    }
  });
  return createHash('sha256').update(JSON.stringify(outline)).digest('hex');
}
