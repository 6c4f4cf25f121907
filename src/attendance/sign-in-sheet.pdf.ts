import { createPdfDocument } from '../shared/pdf';
import type { Translate } from '../i18n/i18n';
import type { Locale } from '../shared/format';
import { formatDate, formatTimeRange } from '../shared/format';


export type SheetData = {
  programmeTitle: string;
  offeringTitle: string;
  moduleTitle: string | null;
  startsAt: Date;
  endsAt: Date;
  location: string;
  trainers: string[];
  fundingLine: string;
  regionName: string;
  people: { name: string; organisation: string }[];
  walkInRows: number;
};

const MARGIN = 40;
const ROW_HEIGHT = 30;
const COLUMNS = [
  { key: 'number', width: 30 },
  { key: 'name', width: 170 },
  { key: 'organisation', width: 160 },
  { key: 'signature', width: 155 },
] as const;

/**
 * The paper list participants sign at a session (proof of attendance for the funder).
 * Every page repeats the header and the column titles and says "Seite x von y".
 */
export function renderSignInSheet(data: SheetData, t: Translate, locale: Locale): PDFKit.PDFDocument {
  const doc = createPdfDocument(
    {
      title: `${t('attendance.sheet.title')} – ${data.programmeTitle}, ${formatDate(data.startsAt, locale)}`,
      author: data.regionName,
      subject: data.offeringTitle,
      lang: locale === 'de' ? 'de-DE' : 'en-GB',
    },
    { size: 'A4', margin: MARGIN, bufferPages: true },
  );
  const tableWidth = COLUMNS.reduce((sum, column) => sum + column.width, 0);
  const bottom = doc.page.height - MARGIN - 30;

  const header = () => {
    doc.font('bold').fontSize(15).text(t('attendance.sheet.title'), MARGIN, MARGIN, { width: tableWidth });
    doc.moveDown(0.3);
    doc.font('bold').fontSize(10.5).text(data.programmeTitle, { width: tableWidth });
    doc.font('regular').fontSize(9.5);
    const lines = [
      `${t('attendance.sheet.offering')}: ${data.offeringTitle}`,
      ...(data.moduleTitle ? [`${t('attendance.sheet.module')}: ${data.moduleTitle}`] : []),
      `${t('attendance.sheet.date')}: ${formatDate(data.startsAt, locale)}, ${formatTimeRange(data.startsAt, data.endsAt, locale)}`,
      `${t('attendance.sheet.place')}: ${data.location || '–'}`,
      `${t('attendance.sheet.trainers')}: ${data.trainers.join(', ') || '–'}`,
    ];
    for (const line of lines) doc.text(line, { width: tableWidth });
    doc.fontSize(8).fillColor('#333333').text(data.fundingLine, { width: tableWidth }).fillColor('#000000');
    doc.moveDown(0.6);
    tableHeader();
  };

  const tableHeader = () => {
    const y = doc.y;
    doc.font('bold').fontSize(9);
    let x = MARGIN;
    const titles = [t('attendance.sheet.number'), t('attendance.sheet.name'), t('attendance.sheet.organisation'), t('attendance.sheet.signature')];
    COLUMNS.forEach((column, index) => {
      doc.rect(x, y, column.width, 20).fillAndStroke('#e8ecf2', '#000000').fillColor('#000000');
      doc.text(titles[index]!, x + 4, y + 6, { width: column.width - 8, lineBreak: false });
      x += column.width;
    });
    doc.y = y + 20;
    doc.font('regular').fontSize(9);
  };

  const row = (cells: [string, string, string]) => {
    if (doc.y + ROW_HEIGHT > bottom) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    let x = MARGIN;
    COLUMNS.forEach((column, index) => {
      doc.rect(x, y, column.width, ROW_HEIGHT).stroke();
      const text = index < 3 ? cells[index]! : '';
      if (text) doc.text(text, x + 4, y + 5, { width: column.width - 8, height: ROW_HEIGHT - 6, ellipsis: true });
      x += column.width;
    });
    doc.y = y + ROW_HEIGHT;
  };

  header();
  data.people.forEach((person, index) => row([String(index + 1), person.name, person.organisation]));
  for (let index = 0; index < data.walkInRows; index += 1) row([String(data.people.length + index + 1), '', '']);

  const range = doc.bufferedPageRange();
  for (let page = range.start; page < range.start + range.count; page += 1) {
    doc.switchToPage(page);
    // The footer sits in the bottom margin; without this pdfkit would start a new page.
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(8).text(t('attendance.sheet.pageOf', { page: page + 1, pages: range.count }), MARGIN, doc.page.height - MARGIN - 12, {
      width: tableWidth,
      align: 'right',
      lineBreak: false,
    });
  }
  return doc;
}
