import type { Writable } from 'node:stream';
import QRCode from 'qrcode';
import { createPdfDocument } from '../shared/pdf';
import { formatDate, formatTimeRange } from '../shared/format';
import { translatorFor } from '../i18n/i18n';
import { groupCode, type CertificateSnapshot, type CertificateTemplateData, type ImageSource } from './certificate.model';

export type { CertificateSnapshot, CertificateTemplateData, ImageSource };

/** Certificates are German documents, whatever language the coordinator's screen is in. */
const t = translatorFor('de');

/*
 * Conformance: tagged PDF 1.7 (logical structure, reading order, /Lang de-DE, alternative
 * texts for figures, everything else marked as artifact), claimed PDF/A-2a (fonts embedded
 * with ToUnicode maps, sRGB output intent, XMP metadata) and PDF/UA-1 (identification added
 * to the XMP packet; pdfkit's `subset` option takes only one of the two).
 */
const DOCUMENT_OPTIONS = { size: 'A4', margin: 0, tagged: true, pdfVersion: '1.7', subset: 'PDF/A-2a', autoFirstPage: false } as const;
const PDF_UA_IDENTIFICATION = `
        <rdf:Description xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" rdf:about="">
            <pdfuaid:part>1</pdfuaid:part>
        </rdf:Description>`;


const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const MARGIN = 56;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const INK = '#1a1a1a';
const MUTED = '#4a4a4a';
const RULE = '#8a8a8a';

export type DocumentMeta = { title: string; subject: string; author: string; keywords?: string };

/** A new certificate document with its metadata; add pages with `drawCertificate`. */
export function createCertificateDocument(meta: DocumentMeta): PDFKit.PDFDocument {
  const doc = createPdfDocument({ ...meta, lang: 'de-DE' }, DOCUMENT_OPTIONS);
  doc.appendXML(PDF_UA_IDENTIFICATION);
  return doc;
}

export function documentMetaFor(snapshot: CertificateSnapshot): DocumentMeta {
  return {
    title: `${snapshot.template.title} ${snapshot.serial} – ${snapshot.name}`,
    subject: snapshot.programmeTitle,
    author: snapshot.regionName,
    keywords: `${snapshot.serial}, ${snapshot.verificationUrl}`,
  };
}

export function formatUnits(units: number): string {
  return t('certificates.pdf.units', { count: units });
}

export function formatDuration(minutes: number): string {
  const hours = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 1 }).format(minutes / 60);
  return t('certificates.pdf.hours', { count: minutes === 60 ? 1 : 2, hours });
}

function artifact(doc: PDFKit.PDFDocument, draw: () => void): void {
  doc.markContent('Artifact', { type: 'Layout' });
  draw();
  doc.endMarkedContent();
}

/** The QR code as vector rectangles (one per run of dark modules): sharp at any size, no image. */
function drawQrCode(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const count = qr.modules.size;
  const cell = size / count;
  for (let row = 0; row < count; row += 1) {
    let column = 0;
    while (column < count) {
      if (!qr.modules.get(row, column)) {
        column += 1;
        continue;
      }
      const start = column;
      while (column < count && qr.modules.get(row, column)) column += 1;
      doc.rect(x + start * cell, y + row * cell, (column - start) * cell + 0.01, cell + 0.01);
    }
  }
  doc.fillColor('#000000').fill();
}

type OpenedImages = Map<number, PDFKit.OpenedImage | null>;

function openedImage(doc: PDFKit.PDFDocument, images: ImageSource, cache: OpenedImages, id: number): PDFKit.OpenedImage | null {
  if (!cache.has(id)) {
    const bytes = images(id);
    cache.set(id, bytes ? doc.openImage(bytes) : null);
  }
  return cache.get(id) ?? null;
}

export type DrawOptions = { images: ImageSource; preview?: boolean };

/**
 * Draws one certificate on a new page of `doc` as a tagged section (one `Sect` in the
 * structure tree per certificate, so a bulk document keeps each one's reading order).
 * Returns after the page's content is written; the document streams it out on the next page.
 */
export function drawCertificate(doc: PDFKit.PDFDocument, snapshot: CertificateSnapshot, options: DrawOptions, imageCache: OpenedImages = new Map()): void {
  doc.addPage({ size: 'A4', margin: 0 });
  // Nothing here may start a new page by itself.
  doc.page.margins.bottom = 0;
  const section = doc.struct('Sect', { title: `${snapshot.template.title} ${snapshot.serial}` });
  doc.addStructure(section);
  const template = snapshot.template;
  const center = { width: CONTENT_WIDTH, align: 'center' as const };

  if (options.preview) {
    artifact(doc, () => {
      doc.save();
      doc.rotate(-35, { origin: [PAGE_WIDTH / 2, PAGE_HEIGHT / 2] });
      doc.font('bold').fontSize(110).fillColor('#e3e3e3').text(t('certificates.pdf.previewMark'), 0, PAGE_HEIGHT / 2 - 60, { width: PAGE_WIDTH, align: 'center', lineBreak: false });
      doc.restore();
    });
  }

  // Header: issuer on the left, logos on the right.
  section.add(doc.struct('P', () => doc.font('regular').fontSize(10).fillColor(MUTED).text(snapshot.regionName, MARGIN, MARGIN, { width: CONTENT_WIDTH / 2 })));
  let logoRight = PAGE_WIDTH - MARGIN;
  for (const id of [...template.logoImageIds].reverse()) {
    const image = openedImage(doc, options.images, imageCache, id);
    if (!image) continue;
    const scale = Math.min(130 / image.width, 56 / image.height);
    const width = image.width * scale;
    logoRight -= width;
    const left = logoRight;
    section.add(doc.struct('Figure', { alt: t('certificates.pdf.logoAlt') }, () => doc.image(image, left, MARGIN - 6, { width, height: image.height * scale })));
    logoRight -= 16;
  }

  let y = 150;
  section.add(doc.struct('H1', () => doc.font('bold').fontSize(30).fillColor(INK).text(template.title, MARGIN, y, center)));
  y = doc.y + 26;
  section.add(doc.struct('P', () => doc.font('regular').fontSize(11).fillColor(MUTED).text(t('certificates.pdf.awardedTo'), MARGIN, y, center)));
  y = doc.y + 6;
  section.add(doc.struct('P', () => doc.font('bold').fontSize(22).fillColor(INK).text(snapshot.name, MARGIN, y, center)));
  y = doc.y + 14;
  if (template.body.trim()) {
    section.add(doc.struct('P', () => doc.font('regular').fontSize(11).fillColor(INK).text(template.body.trim(), MARGIN + 30, y, { width: CONTENT_WIDTH - 60, align: 'center' })));
    y = doc.y + 10;
  }
  section.add(doc.struct('H2', () => doc.font('bold').fontSize(15).fillColor(INK).text(snapshot.programmeTitle, MARGIN, y, center)));
  y = doc.y + 4;
  if (snapshot.offeringTitle && snapshot.offeringTitle !== snapshot.programmeTitle) {
    section.add(doc.struct('P', () => doc.font('regular').fontSize(10.5).fillColor(MUTED).text(snapshot.offeringTitle, MARGIN, y, center)));
    y = doc.y;
  }
  y += 22;

  if (snapshot.kind === 'certificate') y = drawModules(doc, section, snapshot, y);
  else y = drawEventFacts(doc, section, snapshot, y);

  section.add(
    doc.struct('P', () =>
      doc.font('regular').fontSize(10.5).fillColor(INK).text(t('certificates.pdf.issuedOn', { date: formatDate(snapshot.issuedAt) }), MARGIN, Math.max(y + 18, 540), { width: CONTENT_WIDTH }),
    ),
  );
  drawSignatories(doc, section, template, options, imageCache);
  drawFooter(doc, section, snapshot);
  section.end();
}

function drawModules(doc: PDFKit.PDFDocument, section: PDFKit.PDFStructureElement, snapshot: CertificateSnapshot, top: number): number {
  const columns = [
    { width: 28, align: 'left' as const },
    { width: CONTENT_WIDTH - 28 - 120 - 50, align: 'left' as const },
    { width: 120, align: 'left' as const },
    { width: 50, align: 'right' as const },
  ];
  const xs = columns.reduce<number[]>((list, column, index) => [...list, index === 0 ? MARGIN : list[index - 1]! + columns[index - 1]!.width], []);
  const table = doc.struct('Table', { title: t('certificates.pdf.modulesCaption') });
  section.add(table);
  let y = top;
  const row = (cells: string[], header: boolean) => {
    const tr = doc.struct('TR');
    table.add(tr);
    doc.font(header ? 'bold' : 'regular').fontSize(header ? 9 : 9.5).fillColor(INK);
    const heights = cells.map((cell, index) => doc.heightOfString(cell, { width: columns[index]!.width - 6 }));
    cells.forEach((cell, index) => {
      tr.add(doc.struct(header ? 'TH' : 'TD', () => doc.text(cell, xs[index]!, y + 4, { width: columns[index]!.width - 6, align: columns[index]!.align })));
    });
    tr.end();
    y += Math.max(...heights) + 8;
    artifact(doc, () => doc.moveTo(MARGIN, y).lineTo(MARGIN + CONTENT_WIDTH, y).lineWidth(header ? 0.9 : 0.4).strokeColor(RULE).stroke());
  };
  row([t('certificates.pdf.number'), t('certificates.pdf.module'), t('certificates.pdf.dates'), t('certificates.pdf.unitsShort')], true);
  for (const module of snapshot.modules) {
    row([`${module.position}.`, module.title, module.dates.map((date) => formatDate(date)).join(', '), String(module.teachingUnits)], false);
  }
  table.end();
  y += 8;
  const summary = [
    t('certificates.pdf.total', { units: formatUnits(snapshot.totalUnits) }),
    `${t('certificates.pdf.place')}: ${snapshot.place || '–'}`,
    `${t('certificates.pdf.period')}: ${formatDate(snapshot.periodFrom)} – ${formatDate(snapshot.periodTo)}`,
  ];
  section.add(doc.struct('P', () => doc.font('regular').fontSize(10).fillColor(INK).text(summary.join('\n'), MARGIN, y, { width: CONTENT_WIDTH, lineGap: 2 })));
  return doc.y;
}

function drawEventFacts(doc: PDFKit.PDFDocument, section: PDFKit.PDFStructureElement, snapshot: CertificateSnapshot, top: number): number {
  const dates = snapshot.sessions.map((session) => `${formatDate(session.startsAt)}, ${formatTimeRange(session.startsAt, session.endsAt)}`);
  const facts: [string, string][] = [
    [t('certificates.pdf.date'), dates.join('; ') || '–'],
    [t('certificates.pdf.duration'), formatDuration(snapshot.durationMinutes)],
    [t('certificates.pdf.place'), snapshot.place || '–'],
  ];
  let y = top;
  const list = doc.struct('L');
  section.add(list);
  for (const [label, value] of facts) {
    list.add(
      doc.struct('LI', [
        doc.struct('Lbl', () => doc.font('bold').fontSize(11).fillColor(INK).text(`${label}:`, MARGIN + 70, y, { width: 110 })),
        doc.struct('LBody', () => doc.font('regular').fontSize(11).fillColor(INK).text(value, MARGIN + 180, y, { width: CONTENT_WIDTH - 250 })),
      ]),
    );
    y = Math.max(doc.y, y + 16) + 4;
  }
  list.end();
  return y;
}

function drawSignatories(doc: PDFKit.PDFDocument, section: PDFKit.PDFStructureElement, template: CertificateTemplateData, options: DrawOptions, imageCache: OpenedImages): void {
  const signatories = template.signatories.slice(0, 2);
  if (signatories.length === 0) return;
  const width = 200;
  const lineY = 640;
  signatories.forEach((signatory, index) => {
    const x = signatories.length === 1 ? MARGIN : index === 0 ? MARGIN : PAGE_WIDTH - MARGIN - width;
    const image = signatory.signatureImageId ? openedImage(doc, options.images, imageCache, signatory.signatureImageId) : null;
    if (image) {
      const scale = Math.min(width / image.width, 48 / image.height);
      section.add(
        doc.struct('Figure', { alt: t('certificates.pdf.signatureAlt', { name: signatory.name }) }, () =>
          doc.image(image, x, lineY - 4 - image.height * scale, { width: image.width * scale, height: image.height * scale }),
        ),
      );
    }
    artifact(doc, () => doc.moveTo(x, lineY).lineTo(x + width, lineY).lineWidth(0.6).strokeColor(RULE).stroke());
    section.add(
      doc.struct('P', () => {
        doc.font('bold').fontSize(10).fillColor(INK).text(signatory.name, x, lineY + 5, { width });
        if (signatory.function) doc.font('regular').fontSize(9).fillColor(MUTED).text(signatory.function, x, doc.y, { width });
      }),
    );
  });
}

function drawFooter(doc: PDFKit.PDFDocument, section: PDFKit.PDFStructureElement, snapshot: CertificateSnapshot): void {
  const qrSize = 72;
  const top = PAGE_HEIGHT - MARGIN - qrSize;
  if (snapshot.template.fundingLine.trim()) {
    section.add(
      doc.struct('P', () => doc.font('regular').fontSize(8).fillColor(MUTED).text(snapshot.template.fundingLine.trim(), MARGIN, top - 34, { width: CONTENT_WIDTH, height: 26 })),
    );
  }
  artifact(doc, () => doc.moveTo(MARGIN, top - 8).lineTo(MARGIN + CONTENT_WIDTH, top - 8).lineWidth(0.4).strokeColor(RULE).stroke());
  section.add(doc.struct('Figure', { alt: t('certificates.pdf.qrAlt', { url: snapshot.verificationUrl }) }, () => drawQrCode(doc, snapshot.verificationUrl, MARGIN, top, qrSize)));
  const textX = MARGIN + qrSize + 14;
  const textWidth = CONTENT_WIDTH - qrSize - 14;
  section.add(
    doc.struct('P', () => {
      doc.font('bold').fontSize(9.5).fillColor(INK).text(`${t('certificates.pdf.serial')}: ${snapshot.serial}`, textX, top + 2, { width: textWidth });
      doc.font('regular').fontSize(8.5).fillColor(INK).text(t('certificates.pdf.verifyAt'), textX, doc.y + 3, { width: textWidth });
      doc.text(snapshot.verificationUrl, textX, doc.y, { width: textWidth });
      doc.text(`${t('certificates.pdf.code')}: ${groupCode(snapshot.verificationCode)}`, textX, doc.y + 2, { width: textWidth });
    }),
  );
}

/** One certificate as PDF bytes: what is stored at issue. */
export async function renderCertificate(snapshot: CertificateSnapshot, options: DrawOptions): Promise<Buffer> {
  const doc = createCertificateDocument(documentMetaFor(snapshot));
  const done = collect(doc);
  drawCertificate(doc, snapshot, options);
  doc.end();
  return done;
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Many certificates as one document, page by page: snapshots come in batches, each page
 * is written out before the next is drawn, and drawing waits while the reader (e.g. a slow
 * HTTP client) has more than a few MB unread, so memory stays flat however many there are.
 */
export async function streamCertificates(output: Writable, meta: DocumentMeta, batches: AsyncIterable<CertificateSnapshot[]>, images: ImageSource): Promise<number> {
  const doc = createCertificateDocument(meta);
  const finished = new Promise<void>((resolve, reject) => {
    output.on('finish', resolve);
    output.on('close', resolve);
    output.on('error', reject);
    doc.on('error', reject);
  });
  doc.pipe(output);
  const imageCache: OpenedImages = new Map();
  let pages = 0;
  for await (const batch of batches) {
    for (const snapshot of batch) {
      drawCertificate(doc, snapshot, { images }, imageCache);
      pages += 1;
      while (doc.readableLength > HIGH_WATER_BYTES && !output.destroyed) await new Promise((resolve) => setTimeout(resolve, 2));
      if (output.destroyed) break;
    }
    if (output.destroyed) break;
  }
  if (pages === 0) {
    // An empty PDF has no pages at all; say so on one.
    doc.addPage({ size: 'A4', margin: MARGIN });
    const note = doc.struct('P', () => doc.font('regular').fontSize(12).text(t('certificates.pdf.noneIssued'), MARGIN, MARGIN));
    doc.addStructure(note);
  }
  doc.end();
  await finished;
  return pages;
}
