import path from 'node:path';

/** What a person is told a file is ("PDF", "Präsentation", …): a key under materials.kinds. */
export type FileKind = 'pdf' | 'document' | 'spreadsheet' | 'presentation' | 'image' | 'audio' | 'video' | 'archive';

type AllowedType = {
  /** What `file-type` reports for the content (its `ext`). */
  detected: string;
  /** File name endings that go with that content. */
  extensions: string[];
  /** Served as this Content-Type, whatever the client claimed when uploading. */
  contentType: string;
  kind: FileKind;
  /** Browsers show it themselves (PDF viewer, image, video player); never active content. */
  inline: boolean;
};

const OOXML = 'application/vnd.openxmlformats-officedocument';
const ODF = 'application/vnd.oasis.opendocument';

/**
 * The types trainers may upload, decided by content (magic bytes). Office's old binary
 * formats are all "cfb" containers; the name ending tells which one. HTML, SVG, scripts
 * and executables are not on the list, so nothing active is ever stored.
 */
const ALLOWED: AllowedType[] = [
  { detected: 'pdf', extensions: ['pdf'], contentType: 'application/pdf', kind: 'pdf', inline: true },
  { detected: 'docx', extensions: ['docx'], contentType: `${OOXML}.wordprocessingml.document`, kind: 'document', inline: false },
  { detected: 'xlsx', extensions: ['xlsx'], contentType: `${OOXML}.spreadsheetml.sheet`, kind: 'spreadsheet', inline: false },
  { detected: 'pptx', extensions: ['pptx'], contentType: `${OOXML}.presentationml.presentation`, kind: 'presentation', inline: false },
  { detected: 'cfb', extensions: ['doc'], contentType: 'application/msword', kind: 'document', inline: false },
  { detected: 'cfb', extensions: ['xls'], contentType: 'application/vnd.ms-excel', kind: 'spreadsheet', inline: false },
  { detected: 'cfb', extensions: ['ppt'], contentType: 'application/vnd.ms-powerpoint', kind: 'presentation', inline: false },
  { detected: 'odt', extensions: ['odt'], contentType: `${ODF}.text`, kind: 'document', inline: false },
  { detected: 'ods', extensions: ['ods'], contentType: `${ODF}.spreadsheet`, kind: 'spreadsheet', inline: false },
  { detected: 'odp', extensions: ['odp'], contentType: `${ODF}.presentation`, kind: 'presentation', inline: false },
  { detected: 'png', extensions: ['png'], contentType: 'image/png', kind: 'image', inline: true },
  { detected: 'jpg', extensions: ['jpg', 'jpeg'], contentType: 'image/jpeg', kind: 'image', inline: true },
  { detected: 'gif', extensions: ['gif'], contentType: 'image/gif', kind: 'image', inline: true },
  { detected: 'webp', extensions: ['webp'], contentType: 'image/webp', kind: 'image', inline: true },
  { detected: 'mp4', extensions: ['mp4', 'm4v'], contentType: 'video/mp4', kind: 'video', inline: true },
  { detected: 'm4v', extensions: ['m4v', 'mp4'], contentType: 'video/mp4', kind: 'video', inline: true },
  { detected: 'mov', extensions: ['mov'], contentType: 'video/quicktime', kind: 'video', inline: true },
  { detected: 'webm', extensions: ['webm'], contentType: 'video/webm', kind: 'video', inline: true },
  { detected: 'mp3', extensions: ['mp3'], contentType: 'audio/mpeg', kind: 'audio', inline: true },
  { detected: 'm4a', extensions: ['m4a'], contentType: 'audio/mp4', kind: 'audio', inline: true },
  { detected: 'wav', extensions: ['wav'], contentType: 'audio/wav', kind: 'audio', inline: true },
  { detected: 'zip', extensions: ['zip'], contentType: 'application/zip', kind: 'archive', inline: false },
];

/** For the file input's `accept` attribute: a hint to the browser, never trusted. */
export const ACCEPTED_EXTENSIONS = [...new Set(ALLOWED.flatMap((type) => type.extensions))].map((extension) => `.${extension}`);

export type Classification =
  | { ok: true; contentType: string; kind: FileKind; extension: string }
  | { ok: false; reason: 'notAllowed' | 'mismatch' };

export function extensionOf(fileName: string): string {
  return path.extname(fileName).slice(1).toLowerCase();
}

/**
 * Decides on the detected content and the file's name: the content must be an allowed
 * type and the name must end the way that type does (a PNG named "Folien.pdf" is refused).
 */
export function classify(detected: { ext: string } | undefined, fileName: string): Classification {
  if (!detected) return { ok: false, reason: 'notAllowed' };
  const candidates = ALLOWED.filter((type) => type.detected === detected.ext);
  if (candidates.length === 0) return { ok: false, reason: 'notAllowed' };
  const extension = extensionOf(fileName);
  const match = candidates.find((type) => type.extensions.includes(extension));
  if (!match) return { ok: false, reason: 'mismatch' };
  return { ok: true, contentType: match.contentType, kind: match.kind, extension };
}

/** Whether a stored type may be shown in the browser; everything else is always a download. */
export function isInlineSafe(contentType: string): boolean {
  return ALLOWED.some((type) => type.inline && type.contentType === contentType);
}

/** The one file-name cleaner (the upload pipeline applies it); exported here too for the materials' own tests. */
export { cleanFileName } from '../shared/files';
