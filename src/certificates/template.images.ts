import { inflateSync } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import PDFDocument from 'pdfkit';

export type ImageContentType = 'image/png' | 'image/jpeg';

const DETECTED_TYPES: Record<string, ImageContentType> = { png: 'image/png', jpg: 'image/jpeg' };

/** Samples per pixel by PNG colour type (greyscale, RGB, palette, grey + alpha, RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Whether the PNG's pixel data inflates to what its header promises. pdfkit decodes PNGs
 * with transparency in a callback that throws on broken data, which would take the whole
 * process down while issuing certificates; such files are refused at upload instead.
 */
function pngPixelsIntact(bytes: Buffer): boolean {
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
  let pixels: Buffer;
  try {
    pixels = inflateSync(Buffer.concat(data));
  } catch {
    return false;
  }
  if (header.interlaced) return pixels.length > 0;
  // Each row: one filter byte, then the samples.
  const rowBytes = 1 + Math.ceil((header.width * channels * header.bitDepth) / 8);
  return pixels.length >= rowBytes * header.height;
}

/**
 * PNG or JPEG by content (magic bytes), whatever the file is called or the browser says,
 * and one pdfkit can place on a certificate; anything else is refused (undefined).
 */
export async function certificateImageType(bytes: Buffer): Promise<ImageContentType | undefined> {
  const detected = await fileTypeFromBuffer(bytes);
  const contentType = detected ? DETECTED_TYPES[detected.ext] : undefined;
  if (!contentType) return undefined;
  try {
    new PDFDocument({ autoFirstPage: false }).openImage(bytes);
  } catch {
    return undefined;
  }
  if (contentType === 'image/png' && !pngPixelsIntact(bytes)) return undefined;
  return contentType;
}
