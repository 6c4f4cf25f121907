import ExcelJS from 'exceljs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Contact } from '../accounts/contacts.service';
import type { Translate } from '../i18n/i18n';
import { FORMULA_START, toCsv } from '../shared/csv';
import type { Locale } from '../shared/format';
import type { AuditRow } from './audit.queries';
import type { AuditExportBatch } from './audit.service';
import { auditLines, type AuditChange } from './audit.view';

/** Column widths in characters: time, actor, action, subject, changes, IP. */
const WIDTHS = [20, 26, 30, 26, 60, 18];

/** "Feld: alt → neu", "Feld: neu" (set for the first time) or "Feld: alt → entfernt". */
function changeText(change: AuditChange, t: Translate): string {
  const arrow = t('audit.changeArrow');
  if (change.before !== null && change.after !== null) return `${change.field}: ${change.before} ${arrow} ${change.after}`;
  if (change.after !== null) return `${change.field}: ${change.after}`;
  return `${change.field}: ${change.before ?? ''} ${arrow} ${t('audit.values.removed')}`;
}

function header(t: Translate): string[] {
  return ['time', 'actor', 'action', 'subject', 'changes', 'ip'].map((column) => t(`audit.columns.${column}`));
}

/** The page's words for the file: every change of an entry (the page shows the first few), one a line. */
function cells(rows: AuditRow[], actors: Map<number, Contact>, t: Translate, locale: Locale): string[][] {
  return auditLines(rows, actors, t, locale, Number.POSITIVE_INFINITY).map((line) => [
    line.time,
    line.actor,
    line.action,
    line.subject?.label ?? '',
    line.changes.map((change) => changeText(change, t)).join('\n'),
    line.ip,
  ]);
}

/**
 * For a German Excel: UTF-8 with BOM, semicolons, formulas neutralised (src/shared/csv.ts).
 * Written batch by batch as the rows are read, so memory stays at one batch.
 */
export async function writeAuditCsv(batches: AsyncIterable<AuditExportBatch>, truncated: () => boolean, maxRows: number, t: Translate, locale: Locale, output: Writable): Promise<void> {
  output.write(toCsv([header(t)]));
  // The BOM belongs once at the very start of the file.
  for await (const batch of batches) {
    // A slow client: wait until it has taken the batch before reading the next one; one that left: stop reading.
    if (!output.write(toCsv(cells(batch.rows, batch.actors, t, locale)).replace(/^\uFEFF/, ''))) await Promise.race([once(output, 'drain'), once(output, 'close')]);
    if (output.destroyed) return;
  }
  if (truncated()) output.write(toCsv([[t('audit.export.truncated', { count: maxRows.toLocaleString(locale) })]]).replace(/^\uFEFF/, ''));
}

/**
 * The streaming workbook writer as in the attendance export: text in shared strings, a bold
 * frozen header, widths, changes wrapped one a line, formula-like text formatted as text.
 */
export async function writeAuditXlsx(batches: AsyncIterable<AuditExportBatch>, truncated: () => boolean, maxRows: number, t: Translate, locale: Locale, output: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: true });
  const sheet = workbook.addWorksheet(t('audit.export.sheetName'), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = WIDTHS.map((width) => ({ width }));
  const add = (values: string[], bold = false) => {
    const row = sheet.addRow(values);
    if (bold) row.font = { bold: true };
    row.eachCell((cell, column) => {
      if (typeof cell.value === 'string' && FORMULA_START.test(cell.value)) cell.numFmt = '@';
      if (column === 5) cell.alignment = { wrapText: true, vertical: 'top' };
    });
    row.commit();
  };
  add(header(t), true);
  for await (const batch of batches) for (const values of cells(batch.rows, batch.actors, t, locale)) add(values);
  if (truncated()) add([t('audit.export.truncated', { count: maxRows.toLocaleString(locale) })]);
  sheet.commit();
  await workbook.commit();
}
