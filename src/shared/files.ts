import path from 'node:path';

/**
 * File names in and out of the app: the one cleaner for names a client sends with an
 * upload, and the one Content-Disposition builder for every download.
 */

const MAX_NAME_CHARACTERS = 255;
/** An ending longer than this is not a real file type; the name is simply cut. */
const MAX_KEPT_ENDING = 20;

/**
 * The name the client sent, made safe to keep and to send back: the last path segment
 * (old browsers send "C:\…\Folien.pdf"), Unicode NFC (macOS sends decomposed umlauts),
 * umlauts and ß kept, without control characters, at most 255 characters with the ending kept.
 */
export function cleanFileName(name: string, fallback = 'Datei'): string {
  const lastSegment = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let cleaned = lastSegment.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/\s+/g, ' ').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') cleaned = fallback;
  // Counted in characters, not UTF-16 units, so an umlaut or emoji is never cut in half.
  const characters = [...cleaned];
  if (characters.length > MAX_NAME_CHARACTERS) {
    const ending = [...path.extname(cleaned)];
    cleaned = ending.length < MAX_KEPT_ENDING ? characters.slice(0, MAX_NAME_CHARACTERS - ending.length).join('') + ending.join('') : characters.slice(0, MAX_NAME_CHARACTERS).join('');
  }
  return cleaned;
}

const GERMAN_LETTERS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', Ä: 'Ae', Ö: 'Oe', Ü: 'Ue', ß: 'ss' };

/** An ASCII stand-in for clients that ignore `filename*` ("Übung.pdf" → "Uebung.pdf"). */
export function asciiFileName(fileName: string): string {
  return fileName
    .replace(/[äöüÄÖÜß]/g, (letter) => GERMAN_LETTERS[letter] ?? letter)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/g, '_');
}

/**
 * RFC 6266: the quoted ASCII name for every client, plus an RFC 5987 `filename*` in UTF-8
 * when the real name is not plain ASCII (umlauts, dashes, quotes). Without a name, only the type.
 */
export function contentDisposition(type: 'attachment' | 'inline', fileName?: string): string {
  if (fileName === undefined) return type;
  const fallback = asciiFileName(fileName);
  if (fallback === fileName) return `${type}; filename="${fallback}"`;
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
