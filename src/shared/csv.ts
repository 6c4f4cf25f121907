import { stringify } from 'csv-stringify/sync';

/** What a CSV cell may hold: text is neutralised, numbers and dates are written as they are. */
export type CsvCell = string | number | null | undefined;

/**
 * Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or,
 * for tab and carriage return, hide such a character from a check that trims the cell).
 * A name like `=HYPERLINK("http://evil.example","klick")` would otherwise run when a
 * coordinator opens the export (OWASP "CSV injection").
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** Text that would start a formula gets a leading apostrophe, so spreadsheets show it as text. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * The one CSV writer of the app, for a German Excel: UTF-8 with BOM, semicolons, CRLF.
 * Every text cell goes through `neutraliseFormula`; numbers stay numbers (a count of -2
 * is a number, not a formula).
 */
export function toCsv(rows: CsvCell[][]): string {
  return stringify(rows, {
    delimiter: ';',
    bom: true,
    record_delimiter: 'windows',
    // A line break inside a cell (e.g. a department typed on two lines) is quoted; csv-stringify
    // only quotes the record delimiter itself (CRLF), and Excel would split the row at a bare LF.
    quoted_match: /[\r\n]/,
    cast: { string: neutraliseFormula },
  });
}
