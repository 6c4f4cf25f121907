import { parse } from 'csv-parse/sync';

/**
 * Lists of people as coordinators and admins bring them: a German-Excel CSV (semicolons,
 * UTF-8 with BOM), a comma CSV, or cells pasted from a spreadsheet (tabs); one person per line,
 * optionally with a header row naming the columns. Read once here for bulk enrollment and for
 * invitations, each of which says which columns it knows.
 */

/** A list file is at most 1 MB; a pasted list may be as long. */
export const MAX_FILE_BYTES = 1024 * 1024;

// The messages are the bulk enrollment's, which invitations share (a translation key each).
const unreadableFile = (error: string) => ({ ok: false, error }) as const;

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
export function decodeListFile(file: { buffer: Buffer; mimetype: string; originalname: string }): { ok: true; text: string } | { ok: false; error: string } {
  const { buffer } = file;
  if (buffer.length === 0) return unreadableFile('bulk.errors.fileEmpty');
  if (startsWith(buffer, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buffer, [0xd0, 0xcf, 0x11, 0xe0])) return unreadableFile('bulk.errors.excelWorkbook');
  if (startsWith(buffer, [0xff, 0xfe]) || startsWith(buffer, [0xfe, 0xff])) return unreadableFile('bulk.errors.utf16');
  const type = file.mimetype.toLowerCase().split(';')[0]?.trim() ?? '';
  const csvName = /\.(csv|txt)$/i.test(file.originalname);
  if (!TEXT_TYPES.has(type) && !(type === EXCEL_LABELLED_CSV && csvName)) return unreadableFile('bulk.errors.fileType');
  if (hasBinaryBytes(buffer)) return unreadableFile('bulk.errors.binary');
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buffer) };
  } catch {
    return unreadableFile('bulk.errors.notUtf8');
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

/** The columns a list may have: their order without a header, and the header names that mean them. */
export type ListColumns<C extends string> = { positional: Record<C, number>; headerNames: Record<C, string[]> };

export type ListRow<C extends string> = { line: number } & Record<C, string>;

export type ListReading<C extends string> =
  | { ok: true; rows: ListRow<C>[]; hasHeader: boolean }
  /** `lastGoodLine`: for an unreadable list, the last line read before the broken one (0: none). */
  | { ok: false; problem: 'empty' | 'unreadable' | 'headerWithoutEmail' | 'tooManyRows'; lastGoodLine: number; count: number };

const headerKey = (cell: string) => cell.toLowerCase().replace(/[^a-zäöüß]/g, '');

/**
 * A first row without any e-mail address whose cells name known columns is a header; its
 * column order then wins over the positional one.
 */
function headerColumns<C extends string>(record: string[], headerNames: Record<C, string[]>): Partial<Record<C, number>> | null {
  if (record.some((cell) => cell.includes('@'))) return null;
  const columns: Partial<Record<C, number>> = {};
  record.forEach((cell, index) => {
    const key = headerKey(cell);
    const column = (Object.keys(headerNames) as C[]).find((name) => headerNames[name].includes(key));
    if (column && columns[column] === undefined) columns[column] = index;
  });
  return Object.keys(columns).length > 0 ? columns : null;
}

/** Reads a list: blank lines (also Excel's ";;;") are skipped; `line` is the line in the file. */
export function readPeopleList<C extends string>(text: string, columns: ListColumns<C | 'email'>, maxRows: number): ListReading<C | 'email'> {
  const problem = (kind: 'empty' | 'unreadable' | 'headerWithoutEmail' | 'tooManyRows', details: { lastGoodLine?: number; count?: number } = {}) =>
    ({ ok: false, problem: kind, lastGoodLine: details.lastGoodLine ?? 0, count: details.count ?? 0 }) as const;
  if (text.replace(/^\uFEFF/, '').trim() === '') return problem('empty');
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
      skip_records_with_empty_values: true,
      max_record_size: 10_000,
      on_record: (record, context) => {
        lastGoodLine = context.lines;
        return record;
      },
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch {
    return problem('unreadable', { lastGoodLine });
  }
  const header = records[0] ? headerColumns(records[0].record, columns.headerNames) : null;
  if (header && header.email === undefined) return problem('headerWithoutEmail');
  const data = header ? records.slice(1) : records;
  if (data.length === 0) return problem('empty');
  if (data.length > maxRows) return problem('tooManyRows', { count: data.length });
  const order: Partial<Record<C | 'email', number>> = header ?? columns.positional;
  const names = Object.keys(columns.headerNames) as (C | 'email')[];
  const rows = data.map(({ record, info }) => {
    const row = { line: info.lines } as ListRow<C | 'email'>;
    for (const name of names) {
      const index = order[name];
      (row as Record<string, string | number>)[name] = index === undefined ? '' : (record[index] ?? '');
    }
    return row;
  });
  return { ok: true, rows, hasHeader: header !== null };
}
