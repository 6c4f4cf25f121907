import { createPdfDocument, drawArtifact } from '../shared/pdf';
import type { Translate } from '../i18n/i18n';
import type { Locale } from '../shared/format';
import { formatDate, formatTimeRange } from '../shared/format';

/** One day of an offering as its participant list (Teilnehmendenliste) prints it. */
export type SheetData = {
  /** As in the funding approval; the programme's title when the coordinator gave none. */
  projectTitle: string;
  programmeTitle: string;
  offeringTitle: string;
  /** "2. Systemische Konfliktanalyse …", one per module taught that day. */
  modules: string[];
  /** The day's sessions, earliest first (at least one). */
  sessions: { startsAt: Date; endsAt: Date }[];
  places: string[];
  trainers: string[];
  fundingLine: string;
  regionName: string;
  /** In German name order ("Özdemir, Aylin" between N and P). */
  people: { name: string; organisation: string }[];
  walkInRows: number;
  /** One sheet per person: nobody sees who else attended (the funder accepts it where attending is a risk). */
  perPerson: boolean;
};

const MARGIN = 40;
const ROW_HEIGHT = 30;
/** A sheet of its own leaves room for a real signature. */
const PER_PERSON_ROW_HEIGHT = 60;
const COLUMNS = [
  { key: 'number', width: 30 },
  { key: 'name', width: 170 },
  { key: 'organisation', width: 160 },
  { key: 'signature', width: 155 },
] as const;
const TABLE_WIDTH = COLUMNS.reduce((sum, column) => sum + column.width, 0);

/**
 * The paper list participants sign on one day of an offering (the funder's proof of
 * attendance): a tagged PDF whose header names the project as in the funding approval, the
 * event, the date and the place. A shared list repeats header and column titles on every
 * page (as artifacts, so a screen reader reads them once) and says "Seite x von y"; in the
 * per-person variant each page is a complete sheet for one person, without page numbers,
 * which would tell everybody how many attended.
 */
export function renderSignInSheet(data: SheetData, t: Translate, locale: Locale): PDFKit.PDFDocument {
  const day = data.sessions[0]!.startsAt;
  const doc = createPdfDocument(
    {
      title: `${t('attendance.sheet.title')} – ${data.offeringTitle}, ${formatDate(day, locale)}`,
      author: data.regionName,
      subject: data.projectTitle,
      lang: locale === 'de' ? 'de-DE' : 'en-GB',
    },
    { size: 'A4', margin: MARGIN, bufferPages: true, tagged: true, pdfVersion: '1.7', autoFirstPage: false },
  );
  const headerLines = [
    `${t('attendance.sheet.event')}: ${data.programmeTitle} – ${data.offeringTitle}`,
    ...(data.modules.length > 0 ? [`${t('attendance.sheet.modules', { count: data.modules.length })}: ${data.modules.join('; ')}`] : []),
    `${t('attendance.sheet.date')}: ${formatDate(day, locale)}, ${data.sessions.map((session) => formatTimeRange(session.startsAt, session.endsAt, locale)).join(', ')}`,
    `${t('attendance.sheet.place')}: ${data.places.join('; ') || '–'}`,
    `${t('attendance.sheet.trainers')}: ${data.trainers.join(', ') || '–'}`,
  ];
  const rowHeight = data.perPerson ? PER_PERSON_ROW_HEIGHT : ROW_HEIGHT;

  let section: PDFKit.PDFStructureElement | undefined;
  let table: PDFKit.PDFStructureElement | undefined;
  /** Tagged when it is the content, an artifact when it only repeats what came before. */
  const mark = (parent: PDFKit.PDFStructureElement | undefined, type: string, draw: () => void) => {
    if (parent) parent.add(doc.struct(type, draw));
    else drawArtifact(doc, draw);
  };

  /** A new page with the header; `tagged` for the first page of a list (each per-person sheet is one). */
  const newPage = (tagged: boolean) => {
    doc.addPage();
    if (tagged) {
      table?.end();
      section?.end();
      section = doc.struct('Sect');
      doc.addStructure(section);
    }
    const parent = tagged ? section : undefined;
    mark(parent, 'H1', () => doc.font('bold').fontSize(15).text(t('attendance.sheet.title'), MARGIN, MARGIN, { width: TABLE_WIDTH }));
    doc.moveDown(0.3);
    mark(parent, 'P', () => doc.font('bold').fontSize(10.5).text(`${t('attendance.sheet.project')}: ${data.projectTitle}`, { width: TABLE_WIDTH }));
    mark(parent, 'P', () => {
      doc.font('regular').fontSize(9.5);
      for (const line of headerLines) doc.text(line, { width: TABLE_WIDTH });
    });
    if (data.fundingLine) mark(parent, 'P', () => doc.fontSize(8).fillColor('#333333').text(data.fundingLine, { width: TABLE_WIDTH }).fillColor('#000000'));
    doc.moveDown(0.6);
    if (tagged) {
      table = doc.struct('Table');
      section!.add(table);
    }
    tableRow([t('attendance.sheet.number'), t('attendance.sheet.name'), t('attendance.sheet.organisation'), t('attendance.sheet.signature')], true, tagged);
  };

  const tableRow = (cells: [string, string, string, string], header: boolean, tagged: boolean) => {
    const height = header ? 20 : rowHeight;
    const y = doc.y;
    const tr = tagged ? doc.struct('TR') : undefined;
    if (tr) table!.add(tr);
    doc.font(header ? 'bold' : 'regular').fontSize(9);
    let x = MARGIN;
    COLUMNS.forEach((column, index) => {
      const left = x;
      drawArtifact(doc, () => (header ? doc.rect(left, y, column.width, height).fillAndStroke('#e8ecf2', '#000000').fillColor('#000000') : doc.rect(left, y, column.width, height).stroke()));
      const text = cells[index]!;
      const draw = () => {
        if (text) doc.text(text, left + 4, y + (header ? 6 : 5), { width: column.width - 8, height: height - 6, ellipsis: true, lineBreak: !header });
      };
      if (tr) tr.add(doc.struct(header ? 'TH' : 'TD', draw));
      else drawArtifact(doc, draw);
      x += column.width;
    });
    tr?.end();
    doc.y = y + height;
    doc.x = MARGIN;
  };

  const bottom = () => doc.page.height - MARGIN - 30;
  const personRow = (cells: [string, string, string]) => {
    if (doc.y + rowHeight > bottom()) newPage(false);
    tableRow([...cells, ''], false, true);
  };

  if (data.perPerson) {
    for (const person of data.people) {
      newPage(true);
      personRow(['', person.name, person.organisation]);
    }
    // Nobody confirmed yet: still one blank sheet to print.
    if (data.people.length === 0) newPage(true);
  } else {
    newPage(true);
    data.people.forEach((person, index) => personRow([String(index + 1), person.name, person.organisation]));
    for (let index = 0; index < data.walkInRows; index += 1) personRow([String(data.people.length + index + 1), '', '']);
  }
  table?.end();
  section?.end();

  if (!data.perPerson) {
    const range = doc.bufferedPageRange();
    for (let page = range.start; page < range.start + range.count; page += 1) {
      doc.switchToPage(page);
      // The footer sits in the bottom margin; without this pdfkit would start a new page.
      doc.page.margins.bottom = 0;
      drawArtifact(doc, () =>
        doc.font('regular').fontSize(8).text(t('attendance.sheet.pageOf', { page: page + 1, pages: range.count }), MARGIN, doc.page.height - MARGIN - 12, {
          width: TABLE_WIDTH,
          align: 'right',
          lineBreak: false,
        }),
      );
    }
  }
  return doc;
}
