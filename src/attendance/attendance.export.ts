import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import type { Translate } from '../i18n/i18n';
import { formatDate, type Locale } from '../http/format';
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
  return stringify(table(matrix, t, locale), { delimiter: ';', bom: true, record_delimiter: 'windows' });
}

export async function writeAttendanceXlsx(matrix: Matrix, t: Translate, locale: Locale, output: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true });
  const sheet = workbook.addWorksheet(t('attendance.export.sheetName'));
  const rows = table(matrix, t, locale);
  rows.forEach((cells, index) => {
    const added = sheet.addRow(cells);
    if (index === 0) added.font = { bold: true };
    added.commit();
  });
  sheet.commit();
  await workbook.commit();
}
