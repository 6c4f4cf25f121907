import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import { FORMULA_START, toCsv, type CsvCell } from '../shared/csv';

/**
 * A part of a report file: a table with a header and, if any, a totals row. A CSV holds the
 * parts one below the other (title row, header, rows, totals, blank line); an XLSX holds one
 * sheet per part with the header in row 1, frozen, so every sheet can be sorted and filtered.
 */
export type Section = {
  title: string;
  head: string[];
  rows: CsvCell[][];
  totals?: CsvCell[];
  /** Column widths in characters (Excel's unit). */
  widths: number[];
};

/** For a German Excel: UTF-8 with BOM, semicolons, formulas neutralised (shared/csv.ts). */
export function sectionsCsv(preamble: CsvCell[][], sections: Section[]): string {
  const rows: CsvCell[][] = [...preamble, []];
  for (const section of sections) {
    rows.push([section.title], section.head, ...section.rows);
    if (section.totals) rows.push(section.totals);
    rows.push([]);
  }
  return toCsv(rows);
}

/** Excel allows 31 characters and none of []:*?/\ in a sheet name. */
function sheetName(title: string): string {
  return title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);
}

/**
 * Text goes into shared strings, and a cell that reads like a formula gets the text format
 * "@" (as in the attendance export), so opening or editing it in Excel never runs it.
 */
export async function writeSectionsXlsx(sections: Section[], output: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: true });
  for (const section of sections) {
    const sheet = workbook.addWorksheet(sheetName(section.title), { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = section.widths.map((width) => ({ width }));
    const lines = [section.head, ...section.rows, ...(section.totals ? [section.totals] : [])];
    lines.forEach((cells, index) => {
      const row = sheet.addRow(cells.map((cell) => cell ?? ''));
      if (index === 0 || (section.totals && index === lines.length - 1)) row.font = { bold: true };
      row.eachCell((cell) => {
        if (typeof cell.value === 'string' && FORMULA_START.test(cell.value)) cell.numFmt = '@';
      });
      row.commit();
    });
    sheet.commit();
  }
  await workbook.commit();
}
