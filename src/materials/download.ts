import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { contentDisposition } from '../shared/files';
import type { ByteRange, MaterialStorage } from './storage';

/**
 * Sending a stored file over HTTP: conditional requests (ETag, Last-Modified), one byte
 * range at a time (what video players and download managers ask for) and a
 * Content-Disposition that keeps umlauts. The bytes are streamed, never held whole.
 */

export type RangeRequest = { kind: 'whole' } | ({ kind: 'partial' } & ByteRange) | { kind: 'unsatisfiable' };

/**
 * Reads a Range header for a file of `size` bytes (RFC 9110 §14). Several ranges and
 * malformed headers are answered with the whole file, which the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // "-500": the last 500 bytes.
    const suffixLength = Number(last);
    if (suffixLength === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffixLength), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || (last !== '' && Number(last) < start)) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

// The one Content-Disposition builder; exported here too for the materials' own tests.
export { asciiFileName, contentDisposition } from '../shared/files';

function etagsIn(header: string): string[] {
  return header.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
}

const wholeSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** If-None-Match first; If-Modified-Since only when there is no If-None-Match. */
export function isNotModified(headers: Request['headers'], etag: string, lastModified: Date): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch) return ifNoneMatch.trim() === '*' || etagsIn(ifNoneMatch).includes(etag);
  const ifModifiedSince = headers['if-modified-since'];
  if (!ifModifiedSince) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && wholeSeconds(lastModified) <= Math.floor(since / 1000);
}

/** A Range only applies while the file is still the one the client has the start of. */
export function rangeStillValid(headers: Request['headers'], etag: string, lastModified: Date): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string' || ifRange === '') return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && wholeSeconds(lastModified) === Math.floor(date / 1000);
}

export type StoredFile = {
  storageKey: string;
  size: number;
  contentType: string;
  fileName: string;
  sha256: string;
  lastModified: Date;
  disposition: 'attachment' | 'inline';
};

function isClientGone(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}

export async function sendStoredFile(req: Request, res: Response, storage: MaterialStorage, file: StoredFile): Promise<void> {
  const etag = `"${file.sha256}"`;
  const describeFile = () => {
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', file.lastModified.toUTCString());
    // Materials are not for shared caches; browsers revalidate with the ETag.
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('X-Content-Type-Options', 'nosniff');
  };
  if (isNotModified(req.headers, etag, file.lastModified)) {
    describeFile();
    res.status(304).end();
    return;
  }
  const range = rangeStillValid(req.headers, etag, file.lastModified) ? parseRange(req.headers.range, file.size) : { kind: 'whole' as const };
  if (range.kind === 'unsatisfiable') {
    describeFile();
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', contentDisposition(file.disposition, file.fileName));
    res.setHeader('Content-Range', `bytes */${file.size}`);
    res.status(416).end();
    return;
  }
  const selection: ByteRange | undefined = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
  // Opened before any header is set: a storage that cannot answer (a bucket out of reach)
  // leaves the response to the error page, not to a PDF's headers and ETag over HTML.
  const stream = req.method === 'HEAD' ? undefined : await storage.get(file.storageKey, selection);
  describeFile();
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(file.disposition, file.fileName));
  if (range.kind === 'partial') {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(file.size));
  }
  if (!stream) {
    res.end();
    return;
  }
  try {
    await pipeline(stream, res);
  } catch (error) {
    // A person who cancels a download or seeks in a video closes the connection.
    if (!isClientGone(error)) throw error;
  }
}
