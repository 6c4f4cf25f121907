import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import type { Translate } from '../i18n/i18n';
import { formatDate, type Locale } from '../shared/format';
import { FORMULA_START, toCsv } from '../shared/csv';
import type { AttendanceService } from './attendance.service';

type Matrix = Awaited<ReturnType<AttendanceService['matrix']>>;

function table(matrix: Matrix, t: Translate, locale: Locale): string[][] {
  const sessionTitles = matrix.sessions.map(
    (session) => `${formatDate(session.starts_at, locale)}${session.module_position ? ` ${t('attendance.export.module', { position: session.module_position })}` : ''}`,
  );
  const head = [
    t('attendance.export.lastName'),
    t('attendance.export.firstName'),
    t('attendance.export.email'),
    t('attendance.export.organisation'),
    t('attendance.export.department'),
    ...sessionTitles,
    t('attendance.export.completed'),
  ];
  const body = matrix.rows.map((row) => [
    row.person.last_name,
    row.person.first_name,
    row.person.email,
    row.person.organisation_name ?? '',
    row.person.department ?? '',
    ...row.cells.map((status) => (status ? t(`attendance.status.${status}`) : '')),
    row.completed ? t('common.yes') : t('common.no'),
  ]);
  return [head, ...body];
}

/** For a German Excel: UTF-8 with BOM, semicolons, German dates and words. */
export function attendanceCsv(matrix: Matrix, t: Translate, locale: Locale): string {
  return toCsv(table(matrix, t, locale));
}

/**
 * Text goes into shared strings (`t="s"`): exceljs's default for the streaming writer is
 * `t="str"`, the type of a formula's cached result. A cell that reads like a formula also
 * gets the text format "@", so editing it in Excel keeps it text instead of running it.
 */
export async function writeAttendanceXlsx(matrix: Matrix, t: Translate, locale: Locale, output: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: true });
  const sheet = workbook.addWorksheet(t('attendance.export.sheetName'));
  const rows = table(matrix, t, locale);
  rows.forEach((cells, index) => {
    const added = sheet.addRow(cells);
    if (index === 0) added.font = { bold: true };
    added.eachCell((cell) => {
      if (typeof cell.value === 'string' && FORMULA_START.test(cell.value)) cell.numFmt = '@';
    });
    added.commit();
  });
  sheet.commit();
  await workbook.commit();
}
