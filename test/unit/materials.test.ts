import { asciiFileName, contentDisposition, isNotModified, parseRange, rangeStillValid } from '../../src/materials/download';
import { classify, cleanFileName, isInlineSafe } from '../../src/materials/file-types';
import { formatFileSize } from '../../src/shared/format';

describe('Range headers', () => {
  it.each([
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=900-', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=50-10', { kind: 'whole' }],
    ['bytes=0-1,5-9', { kind: 'whole' }],
    ['items=0-9', { kind: 'whole' }],
    [undefined, { kind: 'whole' }],
  ])('%s of a 1000-byte file', (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });
});

describe('Content-Disposition', () => {
  it('keeps umlauts in filename* and gives old clients a readable ASCII name', () => {
    expect(contentDisposition('attachment', 'Übung „Konflikt“ (Teil 1).pdf')).toBe(
      `attachment; filename="Uebung _Konflikt_ (Teil 1).pdf"; filename*=UTF-8''%C3%9Cbung%20%E2%80%9EKonflikt%E2%80%9C%20%28Teil%201%29.pdf`,
    );
  });

  it('cannot be broken out of by quotes, backslashes or line breaks in the name', () => {
    expect(asciiFileName('a"b\\c\r\nd.pdf')).toBe('a_b_c__d.pdf');
  });
});

describe('conditional requests', () => {
  const etag = '"abc"';
  const lastModified = new Date('2026-11-25T08:30:00.500Z');

  it('If-None-Match wins over If-Modified-Since', () => {
    expect(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': lastModified.toUTCString() }, etag, lastModified)).toBe(false);
    expect(isNotModified({ 'if-none-match': 'W/"abc", "x"' }, etag, lastModified)).toBe(true);
  });

  it('compares dates in whole seconds', () => {
    expect(isNotModified({ 'if-modified-since': lastModified.toUTCString() }, etag, lastModified)).toBe(true);
    expect(isNotModified({ 'if-modified-since': new Date('2026-11-25T08:29:59Z').toUTCString() }, etag, lastModified)).toBe(false);
  });

  it('a range applies only while If-Range matches', () => {
    expect(rangeStillValid({ 'if-range': etag }, etag, lastModified)).toBe(true);
    expect(rangeStillValid({ 'if-range': '"old"' }, etag, lastModified)).toBe(false);
    expect(rangeStillValid({}, etag, lastModified)).toBe(true);
  });
});

describe('file types', () => {
  it('goes by content and requires a matching name', () => {
    expect(classify({ ext: 'pdf' }, 'Folien.PDF')).toMatchObject({ ok: true, contentType: 'application/pdf', kind: 'pdf' });
    expect(classify({ ext: 'cfb' }, 'Tabelle.xls')).toMatchObject({ ok: true, contentType: 'application/vnd.ms-excel', kind: 'spreadsheet' });
    expect(classify({ ext: 'png' }, 'Folien.pdf')).toEqual({ ok: false, reason: 'mismatch' });
    expect(classify({ ext: 'exe' }, 'Setup.exe')).toEqual({ ok: false, reason: 'notAllowed' });
    expect(classify(undefined, 'Seite.html')).toEqual({ ok: false, reason: 'notAllowed' });
  });

  it('shows only passive types inline', () => {
    expect(isInlineSafe('application/pdf')).toBe(true);
    expect(isInlineSafe('video/mp4')).toBe(true);
    expect(isInlineSafe('application/zip')).toBe(false);
    expect(isInlineSafe('text/html')).toBe(false);
    expect(isInlineSafe('image/svg+xml')).toBe(false);
  });

  it('cleans the client’s file name: no path, composed umlauts, no control characters, at most 255 characters', () => {
    expect(cleanFileName('C:\\Users\\jana\\Übung.pdf')).toBe('Übung.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('U\u0308bung.pdf')).toBe('Übung.pdf');
    expect(cleanFileName('a\u0000b\u001fc.pdf')).toBe('abc.pdf');
    expect(cleanFileName('..')).toBe('Datei');
    const long = cleanFileName(`${'ä'.repeat(300)}.pdf`);
    expect([...long]).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});

describe('file sizes', () => {
  it('are shown the German way', () => {
    expect(formatFileSize(512)).toBe('512 B');
    expect(formatFileSize(1536)).toBe('1,5 KB');
    expect(formatFileSize(200 * 1024 * 1024)).toBe('200 MB');
    expect(formatFileSize(1536, 'en')).toBe('1.5 KB');
  });
});
