import { inflateSync } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import PDFDocument from 'pdfkit';

export type ImageContentType = 'image/png' | 'image/jpeg';

/**
 * The most pixels a logo or signature may have per side. 4000 px is a signature scanned
 * at 600 dpi across 17 cm; decoding 4000 × 4000 RGBA takes 64 MB. A 1 MB PNG can claim
 * 16384 × 21800 px (1.4 GB decoded, seconds of a blocked event loop), so the size is read
 * from the header (PNG IHDR, JPEG SOF) and checked before anything decodes the pixels.
 */
export const MAX_IMAGE_SIDE_PIXELS = 4000;

export type ImageCheck =
  | { ok: true; contentType: ImageContentType }
  | { ok: false; reason: 'notImage' }
  | { ok: false; reason: 'tooManyPixels'; width: number; height: number };

const DETECTED_TYPES: Record<string, ImageContentType> = { png: 'image/png', jpg: 'image/jpeg' };

/** Samples per pixel by PNG colour type (greyscale, RGB, palette, grey + alpha, RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Whether the PNG's pixel data inflates to what its header promises. pdfkit decodes PNGs
 * with transparency in a callback that throws on broken data, which would take the whole
 * process down while issuing certificates; such files are refused at upload instead.
 */
function pngPixelsIntact(bytes: Buffer): boolean {
  // Only called for images within MAX_IMAGE_SIDE_PIXELS; the inflate limit below also stops
  // pixel data that inflates to far more than its header says (a "zip bomb").
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colourType: number; interlaced: boolean } | undefined;
  const data: Buffer[] = [];
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const start = offset + 8;
    if (start + length + 4 > bytes.length) return false;
    if (type === 'IHDR') {
      header = {
        width: bytes.readUInt32BE(start),
        height: bytes.readUInt32BE(start + 4),
        bitDepth: bytes[start + 8]!,
        colourType: bytes[start + 9]!,
        interlaced: bytes[start + 12] === 1,
      };
    } else if (type === 'IDAT') data.push(bytes.subarray(start, start + length));
    else if (type === 'IEND') break;
    offset = start + length + 4;
  }
  const channels = header ? PNG_CHANNELS[header.colourType] : undefined;
  if (!header || !channels || header.width === 0 || header.height === 0 || data.length === 0) return false;
  // Each row: one filter byte, then the samples. Interlacing adds at most a filter byte per row of each of 7 passes.
  const rowBytes = 1 + Math.ceil((header.width * channels * header.bitDepth) / 8);
  const expectedBytes = rowBytes * header.height;
  let pixels: Buffer;
  try {
    pixels = inflateSync(Buffer.concat(data), { maxOutputLength: expectedBytes + 7 * header.height + 64 });
  } catch {
    return false;
  }
  if (header.interlaced) return pixels.length > 0;
  return pixels.length >= expectedBytes;
}

/** Width and height from the file's header, without decoding; undefined if the header can't be read. */
function headerDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  try {
    const { width, height } = imageSize(bytes);
    return width > 0 && height > 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PNG or JPEG by content (magic bytes), whatever the file is called or the browser says,
 * of at most MAX_IMAGE_SIDE_PIXELS per side, and one pdfkit can place on a certificate.
 */
export async function checkCertificateImage(bytes: Buffer): Promise<ImageCheck> {
  const detected = await fileTypeFromBuffer(bytes);
  const contentType = detected ? DETECTED_TYPES[detected.ext] : undefined;
  if (!contentType) return { ok: false, reason: 'notImage' };
  const size = headerDimensions(bytes);
  if (!size) return { ok: false, reason: 'notImage' };
  if (size.width > MAX_IMAGE_SIDE_PIXELS || size.height > MAX_IMAGE_SIDE_PIXELS) return { ok: false, reason: 'tooManyPixels', ...size };
  try {
    new PDFDocument({ autoFirstPage: false }).openImage(bytes);
  } catch {
    return { ok: false, reason: 'notImage' };
  }
  if (contentType === 'image/png' && !pngPixelsIntact(bytes)) return { ok: false, reason: 'notImage' };
  return { ok: true, contentType };
}
