import { translatorFor } from '../i18n/i18n';
import { formatDate } from '../shared/format';
import { A4, createPdfDocument, drawArtifact } from '../shared/pdf';
import type { TrainingRecord } from './training-record.service';

/** A record for the personnel file is a German document, whatever language the screen is in. */
const t = translatorFor('de');

/*
 * Tagged PDF (logical structure, reading order, /Lang de-DE, title shown instead of the file
 * name), as the certificates and for the same reason: public employers must accept it with
 * a screen reader. Everything drawn only for looks (rules, the header row repeated on a new
 * page, page numbers) is marked as artifact, so a reader meets the table header once.
 */
const DOCUMENT_OPTIONS = { size: 'A4', margin: 48, tagged: true, pdfVersion: '1.7', bufferPages: true, autoFirstPage: false } as const;

const MARGIN = 48;
const PAGE_WIDTH = A4.width;
const PAGE_HEIGHT = A4.height;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
/** Room kept free at the bottom of each page for the footer. */
const BOTTOM = PAGE_HEIGHT - MARGIN - 24;
const INK = '#1a1a1a';
const MUTED = '#4a4a4a';
const RULE = '#8a8a8a';
const CELL_PADDING = 3;

const COLUMNS = [
  { key: 'date', width: 62, align: 'left' },
  { key: 'programme', width: 112, align: 'left' },
  { key: 'offering', width: 92, align: 'left' },
  { key: 'module', width: 104, align: 'left' },
  { key: 'units', width: 28, align: 'right' },
  { key: 'place', width: CONTENT_WIDTH - 62 - 112 - 92 - 104 - 28, align: 'left' },
] as const;
/** TH cells head their column (/Scope /Column): pdfkit writes `scope`, its type definitions do not list it yet. */
const COLUMN_HEADER = { scope: 'Column' } as unknown as PDFKit.Mixins.StructureElementOptions;
const COLUMN_X = COLUMNS.reduce<number[]>((xs, column, index) => [...xs, index === 0 ? MARGIN : xs[index - 1]! + COLUMNS[index - 1]!.width], []);


function personName(record: TrainingRecord): string {
  return `${record.person.first_name} ${record.person.last_name}`;
}

/** The file name for the download: "Fortbildungsnachweis-Nachname-Vorname.pdf". */
export function trainingRecordFileName(record: TrainingRecord): string {
  const part = (value: string) => value.trim().replace(/\s+/g, '-');
  return `${t('reports.trainingRecord.fileName')}-${part(record.person.last_name)}-${part(record.person.first_name)}.pdf`;
}

/**
 * The record as a PDF document (the caller pipes it and calls nothing else): header with
 * the person, organisation, day of issue and the project; the attended dates as a table
 * whose header row repeats on every page; totals; the valid certificates with serial and
 * verification link; "Seite x von y" on every page.
 */
export function renderTrainingRecord(record: TrainingRecord): PDFKit.PDFDocument {
  const name = personName(record);
  const doc = createPdfDocument(
    { title: `${t('reports.trainingRecord.title')} – ${name}`, author: record.regionName, subject: record.projectName || record.regionName, lang: 'de-DE' },
    DOCUMENT_OPTIONS,
  );
  const newPage = () => {
    doc.addPage({ size: 'A4', margin: MARGIN });
    // Nothing may start a page by itself: rows and paragraphs decide where pages break.
    doc.page.margins.bottom = 0;
  };
  newPage();
  // One root element, as PDF/UA wants, holding everything in reading order.
  const root = doc.struct('Document');
  doc.addStructure(root);
  const paragraph = (draw: () => void) => root.add(doc.struct('P', draw));
  const ensureRoom = (height: number) => {
    if (doc.y + height > BOTTOM) {
      newPage();
      doc.y = MARGIN;
    }
  };

  // Header.
  paragraph(() => doc.font('regular').fontSize(9).fillColor(MUTED).text([record.regionName, record.projectName].filter(Boolean).join(' · '), MARGIN, MARGIN, { width: CONTENT_WIDTH }));
  doc.moveDown(0.6);
  root.add(doc.struct('H1', () => doc.font('bold').fontSize(20).fillColor(INK).text(t('reports.trainingRecord.title'), MARGIN, doc.y, { width: CONTENT_WIDTH })));
  doc.moveDown(0.4);
  paragraph(() => {
    doc.font('bold').fontSize(12).fillColor(INK).text(name, MARGIN, doc.y, { width: CONTENT_WIDTH });
    doc.font('regular').fontSize(10).text(`${t('reports.trainingRecord.organisation')}: ${record.person.organisation_name ?? t('reports.trainingRecord.noOrganisation')}`, { width: CONTENT_WIDTH });
    doc.text(t('reports.trainingRecord.issuedOn', { date: formatDate(record.issuedAt) }), { width: CONTENT_WIDTH });
  });
  doc.moveDown(1);

  // Attended dates.
  root.add(doc.struct('H2', () => doc.font('bold').fontSize(13).fillColor(INK).text(t('reports.trainingRecord.datesHeading'), MARGIN, doc.y, { width: CONTENT_WIDTH })));
  doc.moveDown(0.4);
  if (record.dates.length === 0) {
    paragraph(() => doc.font('regular').fontSize(10).text(t('reports.trainingRecord.noDates'), MARGIN, doc.y, { width: CONTENT_WIDTH }));
  } else {
    drawDates(doc, root, record, newPage);
  }
  doc.moveDown(0.6);
  ensureRoom(30);
  paragraph(() =>
    doc
      .font('bold')
      .fontSize(10)
      .fillColor(INK)
      .text(t('reports.trainingRecord.totals', { dates: record.dates.length, units: record.totalUnits }), MARGIN, doc.y, { width: CONTENT_WIDTH }),
  );
  doc.moveDown(1.2);

  // Certificates.
  ensureRoom(60);
  root.add(doc.struct('H2', () => doc.font('bold').fontSize(13).fillColor(INK).text(t('reports.trainingRecord.certificatesHeading'), MARGIN, doc.y, { width: CONTENT_WIDTH })));
  doc.moveDown(0.4);
  if (record.certificates.length === 0) {
    paragraph(() => doc.font('regular').fontSize(10).text(t('reports.trainingRecord.noCertificates'), MARGIN, doc.y, { width: CONTENT_WIDTH }));
  }
  for (const certificate of record.certificates) {
    const lines = [
      `${t('reports.trainingRecord.serial')}: ${certificate.serial} · ${t('reports.trainingRecord.certificateIssuedOn', { date: formatDate(certificate.issued_at) })}`,
      `${t('reports.trainingRecord.verifyAt')}: ${certificate.verification_url}`,
    ];
    const heading = `${certificate.title}: ${certificate.programme_title}${certificate.offering_title && certificate.offering_title !== certificate.programme_title ? ` (${certificate.offering_title})` : ''}`;
    doc.font('regular').fontSize(9.5);
    ensureRoom(doc.heightOfString([heading, ...lines].join('\n'), { width: CONTENT_WIDTH }) + 10);
    paragraph(() => {
      doc.font('bold').fontSize(10).fillColor(INK).text(heading, MARGIN, doc.y, { width: CONTENT_WIDTH });
      doc.font('regular').fontSize(9.5).text(lines.join('\n'), { width: CONTENT_WIDTH });
    });
    doc.moveDown(0.6);
  }

  if (record.fundingLine.trim()) {
    doc.font('regular').fontSize(8);
    ensureRoom(doc.heightOfString(record.fundingLine.trim(), { width: CONTENT_WIDTH }) + 12);
    doc.moveDown(0.6);
    paragraph(() => doc.font('regular').fontSize(8).fillColor(MUTED).text(record.fundingLine.trim(), MARGIN, doc.y, { width: CONTENT_WIDTH }));
  }

  root.end();
  drawFooters(doc, name);
  return doc;
}

function drawDates(doc: PDFKit.PDFDocument, root: PDFKit.PDFStructureElement, record: TrainingRecord, newPage: () => void): void {
  const titles = COLUMNS.map((column) => t(`reports.trainingRecord.columns.${column.key}`));
  const table = doc.struct('Table', { title: t('reports.trainingRecord.tableCaption') });
  root.add(table);
  let y = doc.y;

  const heightOf = (cells: string[]) => Math.max(...cells.map((cell, index) => doc.heightOfString(cell, { width: COLUMNS[index]!.width - 2 * CELL_PADDING }))) + 2 * CELL_PADDING;
  const drawCells = (cells: string[], top: number, wrap: (index: number, draw: () => void) => void) => {
    cells.forEach((cell, index) => {
      const column = COLUMNS[index]!;
      wrap(index, () => doc.text(cell, COLUMN_X[index]! + CELL_PADDING, top + CELL_PADDING, { width: column.width - 2 * CELL_PADDING, align: column.align }));
    });
  };
  const rule = (at: number, width: number) => drawArtifact(doc, () => doc.moveTo(MARGIN, at).lineTo(MARGIN + CONTENT_WIDTH, at).lineWidth(width).strokeColor(RULE).stroke(), 'Layout');

  /** The header row: tagged TH cells on the first page, an artifact where it repeats. */
  const headerRow = (repeated: boolean) => {
    doc.font('bold').fontSize(8.5).fillColor(INK);
    const height = heightOf(titles);
    drawArtifact(doc, () => doc.rect(MARGIN, y, CONTENT_WIDTH, height).fill('#e8ecf2').fillColor(INK), 'Layout');
    if (repeated) {
      drawArtifact(doc, () => drawCells(titles, y, (_index, draw) => draw()), 'Pagination');
    } else {
      const tr = doc.struct('TR');
      table.add(tr);
      drawCells(titles, y, (_index, draw) => tr.add(doc.struct('TH', COLUMN_HEADER, draw)));
      tr.end();
    }
    y += height;
    rule(y, 0.9);
  };

  headerRow(false);
  for (const date of record.dates) {
    const cells = [
      formatDate(date.starts_at),
      date.programme_title,
      date.offering_title,
      date.module_title ? `${date.module_position ?? ''}${date.module_position ? '. ' : ''}${date.module_title}` : '–',
      // A date without units (a workshop or Fachtag nobody gave units) shows "–", not a misleading 0.
      date.module_title || date.teaching_units > 0 ? String(date.teaching_units) : '–',
      date.location || '–',
    ];
    doc.font('regular').fontSize(8.5).fillColor(INK);
    const height = heightOf(cells);
    if (y + height > BOTTOM) {
      newPage();
      y = MARGIN;
      headerRow(true);
      doc.font('regular').fontSize(8.5).fillColor(INK);
    }
    const tr = doc.struct('TR');
    table.add(tr);
    drawCells(cells, y, (_index, draw) => tr.add(doc.struct('TD', draw)));
    tr.end();
    y += height;
    rule(y, 0.4);
  }
  table.end();
  doc.x = MARGIN;
  doc.y = y;
}

/** "Fortbildungsnachweis – Name · Seite x von y" at the foot of every page, once all pages exist. */
function drawFooters(doc: PDFKit.PDFDocument, name: string): void {
  const range = doc.bufferedPageRange();
  for (let page = range.start; page < range.start + range.count; page += 1) {
    doc.switchToPage(page);
    drawArtifact(doc, () => {
      doc.font('regular').fontSize(8).fillColor(MUTED);
      doc.text(`${t('reports.trainingRecord.title')} – ${name}`, MARGIN, PAGE_HEIGHT - MARGIN - 8, { width: CONTENT_WIDTH / 2, lineBreak: false });
      doc.text(t('reports.trainingRecord.pageOf', { page: page + 1, pages: range.count }), MARGIN + CONTENT_WIDTH / 2, PAGE_HEIGHT - MARGIN - 8, {
        width: CONTENT_WIDTH / 2,
        align: 'right',
        lineBreak: false,
      });
    });
  }
}
