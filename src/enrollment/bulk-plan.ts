import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { bulkEmail, MAX_NAME_LENGTH } from './bulk.schemas';
import type { EnrollmentStatus } from './enrollment.queries';

/**
 * Bulk enrollment, the pure part: reading a pasted or uploaded list and planning, row by
 * row, what taking it over would do. No database here: the enrollment service gathers
 * the facts (who has an account, free seats, organisations) and runs the plan under the
 * offering's lock.
 */

export const MAX_ROWS = 500;
export const MAX_FILE_BYTES = 1024 * 1024;

export type BulkRow = { line: number; email: string; firstName: string; lastName: string; organisation: string };

export type ListProblem = { error: string; params?: Record<string, unknown> };
export type ListResult<T> = ({ ok: true } & T) | ({ ok: false } & ListProblem);

const fail = (error: string, params?: Record<string, unknown>): { ok: false } & ListProblem => ({ ok: false, error, params });

// ----- reading -----

const TEXT_TYPES = new Set(['text/csv', 'text/plain', 'application/csv', 'text/x-csv', 'text/comma-separated-values']);
// Browsers on Windows with Excel installed label every .csv file as an Excel file.
const EXCEL_LABELLED_CSV = 'application/vnd.ms-excel';

const startsWith = (buffer: Buffer, bytes: number[]) => bytes.every((byte, index) => buffer[index] === byte);

/** Control characters other than tab, line feed and carriage return don't occur in a text file. */
function hasBinaryBytes(buffer: Buffer): boolean {
  for (const byte of buffer) {
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f) return true;
  }
  return false;
}

/**
 * An uploaded list becomes text only if it is a text file in UTF-8 (with or without the
 * BOM German Excel writes for "CSV UTF-8"). Workbooks and other encodings get a message
 * that says how to save the list correctly, instead of a table of garbled names.
 */
export function decodeListFile(file: { buffer: Buffer; mimetype: string; originalname: string }): ListResult<{ text: string }> {
  const { buffer } = file;
  if (buffer.length === 0) return fail('bulk.errors.fileEmpty');
  if (startsWith(buffer, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buffer, [0xd0, 0xcf, 0x11, 0xe0])) return fail('bulk.errors.excelWorkbook');
  if (startsWith(buffer, [0xff, 0xfe]) || startsWith(buffer, [0xfe, 0xff])) return fail('bulk.errors.utf16');
  const type = file.mimetype.toLowerCase().split(';')[0]?.trim() ?? '';
  const csvName = /\.(csv|txt)$/i.test(file.originalname);
  if (!TEXT_TYPES.has(type) && !(type === EXCEL_LABELLED_CSV && csvName)) return fail('bulk.errors.fileType');
  if (hasBinaryBytes(buffer)) return fail('bulk.errors.binary');
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buffer) };
  } catch {
    return fail('bulk.errors.notUtf8');
  }
}

const DELIMITERS = ['\t', ';', ','] as const;

/**
 * Semicolons (German Excel), commas, or tabs (cells pasted from a spreadsheet): the one
 * that occurs most often in the first line, outside quotes, separates the columns.
 */
export function sniffDelimiter(text: string): string {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  let best: string = ';';
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = unquoted.split(delimiter).length - 1;
    if (count > bestCount) [best, bestCount] = [delimiter, count];
  }
  return best;
}

type Column = 'email' | 'firstName' | 'lastName' | 'organisation';
type ColumnMap = Partial<Record<Column, number>>;

const POSITIONAL: ColumnMap = { email: 0, firstName: 1, lastName: 2, organisation: 3 };

const HEADER_NAMES: Record<Column, string[]> = {
  email: ['email', 'mail', 'emailadresse', 'mailadresse', 'emailaddress', 'dienstlicheemailadresse'],
  firstName: ['vorname', 'firstname', 'givenname', 'rufname'],
  lastName: ['nachname', 'lastname', 'surname', 'familyname', 'familienname'],
  organisation: ['organisation', 'organization', 'organisationsname', 'kommune', 'gemeinde', 'behörde', 'dienststelle', 'verwaltung', 'arbeitgeber', 'einrichtung', 'institution'],
};

const headerKey = (cell: string) => cell.toLowerCase().replace(/[^a-zäöüß]/g, '');

/**
 * A first row without any e-mail address whose cells name known columns is a header; its
 * column order then wins over the default order (E-Mail; Vorname; Nachname; Organisation).
 */
function headerColumns(record: string[]): ColumnMap | null {
  if (record.some((cell) => cell.includes('@'))) return null;
  const columns: ColumnMap = {};
  record.forEach((cell, index) => {
    const key = headerKey(cell);
    const column = (Object.keys(HEADER_NAMES) as Column[]).find((name) => HEADER_NAMES[name].includes(key));
    if (column && columns[column] === undefined) columns[column] = index;
  });
  return Object.keys(columns).length > 0 ? columns : null;
}

export type ParsedList = { rows: BulkRow[]; hasHeader: boolean };

/** Reads a list: one person per line, blank lines ignored; `line` is the line in the file. */
export function parseBulkList(text: string): ListResult<ParsedList> {
  if (text.replace(/^\uFEFF/, '').trim() === '') return fail('bulk.errors.empty');
  let records: { record: string[]; info: { lines: number } }[];
  // Where a broken quote starts is unknown to the parser (it reads on to the end); the last good record is known.
  let lastGoodLine = 0;
  try {
    records = parse(text, {
      bom: true,
      delimiter: sniffDelimiter(text),
      info: true,
      trim: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Excel writes ";;;" for a row that only looks empty.
      skip_records_with_empty_values: true,
      max_record_size: 10_000,
      on_record: (record, context) => {
        lastGoodLine = context.lines;
        return record;
      },
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch {
    return lastGoodLine > 0 ? fail('bulk.errors.unreadableAfter', { line: lastGoodLine }) : fail('bulk.errors.unreadable');
  }
  const first = records[0];
  const header = first ? headerColumns(first.record) : null;
  if (header && header.email === undefined) return fail('bulk.errors.headerWithoutEmail');
  const data = header ? records.slice(1) : records;
  if (data.length === 0) return fail('bulk.errors.empty');
  if (data.length > MAX_ROWS) return fail('bulk.errors.tooManyRows', { max: MAX_ROWS, count: data.length });
  const columns = header ?? POSITIONAL;
  const cell = (record: string[], column: Column) => {
    const index = columns[column];
    return index === undefined ? '' : (record[index] ?? '');
  };
  const rows = data.map(({ record, info }) => ({
    line: info.lines,
    email: cell(record, 'email'),
    firstName: cell(record, 'firstName'),
    lastName: cell(record, 'lastName'),
    organisation: cell(record, 'organisation'),
  }));
  return { ok: true, rows, hasHeader: header !== null };
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
