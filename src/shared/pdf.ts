import fs from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';

// DejaVu Sans (TrueType) covers German and the names our participants have ("Yılmaz", "Zielińska").
const FONT_DIR = path.dirname(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
export const PDF_FONT = path.join(FONT_DIR, 'DejaVuSans.ttf');
export const PDF_FONT_BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

// Parsing a TrueType font costs ~30 ms; parsed once per process, each document only subsets it.
type ParsedFont = ReturnType<typeof fontkit.create>;
let fonts: { regular: ParsedFont; bold: ParsedFont } | undefined;
function parsedFonts() {
  fonts ??= { regular: fontkit.create(fs.readFileSync(PDF_FONT)), bold: fontkit.create(fs.readFileSync(PDF_FONT_BOLD)) };
  return fonts;
}

export type PdfMeta = { title: string; author: string; subject: string; keywords?: string; lang: string };

/**
 * Every PDF the app writes (certificates, sign-in sheets): its metadata, the document
 * language, and DejaVu Sans embedded as 'regular' and 'bold'. The default font would be
 * Helvetica, which is not embedded (not allowed in PDF/A) and lacks "ı" and "ń".
 */
export function createPdfDocument(meta: PdfMeta, options: PDFKit.PDFDocumentOptions = {}): PDFKit.PDFDocument {
  const { regular, bold } = parsedFonts();
  const doc = new PDFDocument({
    ...options,
    lang: meta.lang,
    displayTitle: true,
    font: regular as unknown as string,
    info: { Title: meta.title, Author: meta.author, Subject: meta.subject, Keywords: meta.keywords ?? '', Creator: 'KoKoMa Campus' },
  });
  doc.registerFont('regular', regular as unknown as string);
  doc.registerFont('bold', bold as unknown as string);
  return doc;
}

/** A4 in PDF points: the page every document here is laid out on. */
export const A4 = { width: 595.28, height: 841.89 } as const;

/**
 * Drawing that carries no meaning of its own (rules, borders, a repeated table header, page
 * numbers) is marked as an artifact, so a screen reader in a tagged PDF meets each text once.
 */
export function drawArtifact(doc: PDFKit.PDFDocument, draw: () => void, type: 'Layout' | 'Pagination' = 'Pagination'): void {
  doc.markContent('Artifact', { type });
  draw();
  doc.endMarkedContent();
}
