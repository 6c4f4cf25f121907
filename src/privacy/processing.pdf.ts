import { translatorFor } from '../i18n/i18n';
import { formatDate } from '../shared/format';
import { A4, createPdfDocument, drawArtifact } from '../shared/pdf';
import type { ProcessingRecord } from './processing.service';

/** The record is a German document for the data-protection officer, whatever language the screen is in. */
const t = translatorFor('de');

/*
 * Tagged PDF as the other documents of the app (structure, reading order, /Lang de-DE, title
 * shown): one H2 per activity with its fields as a two-column table whose first cells head
 * their rows, so a screen reader announces "Zweck", "Löschfrist" … before each value. Page
 * numbers are artifacts.
 */
const DOCUMENT_OPTIONS = { size: 'A4', margin: 48, tagged: true, pdfVersion: '1.7', bufferPages: true, autoFirstPage: false } as const;
const MARGIN = 48;
const PAGE_WIDTH = A4.width;
const PAGE_HEIGHT = A4.height;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BOTTOM = PAGE_HEIGHT - MARGIN - 24;
const LABEL_WIDTH = 150;
const INK = '#1a1a1a';
const MUTED = '#4a4a4a';
const ROW_HEADER = { scope: 'Row' } as unknown as PDFKit.Mixins.StructureElementOptions;
const FIELDS = ['purpose', 'dataSubjects', 'data', 'recipients', 'legalBasis', 'retention', 'action'] as const;

export function processingRecordFileName(): string {
  return `${t('privacy.processing.fileName')}.pdf`;
}

export function renderProcessingRecord(record: ProcessingRecord): PDFKit.PDFDocument {
  const title = t('privacy.processing.title');
  const doc = createPdfDocument({ title, author: record.controller.name, subject: record.projectName || record.regionName, lang: 'de-DE' }, DOCUMENT_OPTIONS);
  const newPage = () => {
    doc.addPage({ size: 'A4', margin: MARGIN });
    doc.page.margins.bottom = 0;
    doc.y = MARGIN;
  };
  newPage();
  const root = doc.struct('Document');
  doc.addStructure(root);
  const ensureRoom = (height: number) => {
    if (doc.y + height > BOTTOM) newPage();
  };
  const heading = (level: 'H1' | 'H2', text: string, size: number) => {
    doc.font('bold').fontSize(size);
    ensureRoom(doc.heightOfString(text, { width: CONTENT_WIDTH }) + 40);
    root.add(doc.struct(level, () => doc.font('bold').fontSize(size).fillColor(INK).text(text, MARGIN, doc.y, { width: CONTENT_WIDTH })));
    doc.moveDown(0.4);
  };
  const paragraph = (text: string, size = 10, color = INK) => {
    doc.font('regular').fontSize(size);
    ensureRoom(doc.heightOfString(text, { width: CONTENT_WIDTH }) + 6);
    root.add(doc.struct('P', () => doc.font('regular').fontSize(size).fillColor(color).text(text, MARGIN, doc.y, { width: CONTENT_WIDTH })));
    doc.moveDown(0.3);
  };
  /** Label and value side by side, as a table row (TH scope Row, TD). */
  const fieldTable = (rows: [string, string][]) => {
    const table = doc.struct('Table');
    root.add(table);
    for (const [label, value] of rows) {
      doc.font('regular').fontSize(9.5);
      const height = Math.max(doc.heightOfString(label, { width: LABEL_WIDTH - 6 }), doc.heightOfString(value, { width: CONTENT_WIDTH - LABEL_WIDTH })) + 4;
      ensureRoom(height);
      const top = doc.y;
      const tr = doc.struct('TR');
      table.add(tr);
      tr.add(doc.struct('TH', ROW_HEADER, () => doc.font('bold').fontSize(9.5).fillColor(INK).text(label, MARGIN, top, { width: LABEL_WIDTH - 6 })));
      tr.add(doc.struct('TD', () => doc.font('regular').fontSize(9.5).fillColor(INK).text(value, MARGIN + LABEL_WIDTH, top, { width: CONTENT_WIDTH - LABEL_WIDTH })));
      tr.end();
      doc.x = MARGIN;
      doc.y = top + height;
    }
    table.end();
    doc.moveDown(0.6);
  };
  const orMissing = (value: string) => value.trim() || t('privacy.processing.notConfigured');

  paragraph([record.regionName, record.projectName].filter(Boolean).join(' · '), 9, MUTED);
  heading('H1', title, 18);
  paragraph(t('privacy.processing.lead', { project: record.projectName }));
  paragraph(t('privacy.processing.generatedOn', { date: formatDate(record.generatedAt) }), 9, MUTED);
  doc.moveDown(0.4);

  heading('H2', t('privacy.processing.controller.heading'), 13);
  fieldTable([
    [t('privacy.processing.controller.name'), record.controller.name],
    [t('privacy.processing.controller.address'), orMissing(record.controller.address)],
    [t('privacy.processing.controller.contact'), orMissing(record.controller.contact)],
    [t('privacy.processing.controller.officer'), orMissing(record.dataProtectionOfficer)],
  ]);

  heading('H2', t('privacy.processing.activities.heading'), 13);
  record.activities.forEach((activity, index) => {
    heading('H2', `${index + 1}. ${activity.name}`, 11.5);
    fieldTable(FIELDS.map((field) => [t(`privacy.processing.activities.${field}`), activity[field]]));
  });

  heading('H2', t('privacy.processing.general.heading'), 13);
  paragraph(t('privacy.processing.general.thirdCountries'));
  paragraph(t('privacy.processing.general.measures'));

  root.end();
  drawFooters(doc, title);
  return doc;
}

function drawFooters(doc: PDFKit.PDFDocument, title: string): void {
  const range = doc.bufferedPageRange();
  for (let page = range.start; page < range.start + range.count; page += 1) {
    doc.switchToPage(page);
    drawArtifact(doc, () => {
      doc.font('regular').fontSize(8).fillColor(MUTED);
      doc.text(title, MARGIN, PAGE_HEIGHT - MARGIN - 8, { width: CONTENT_WIDTH / 2, lineBreak: false });
      doc.text(t('privacy.processing.pageOf', { page: page + 1, pages: range.count }), MARGIN + CONTENT_WIDTH / 2, PAGE_HEIGHT - MARGIN - 8, { width: CONTENT_WIDTH / 2, align: 'right', lineBreak: false });
    });
  }
}
