import { decodeListFile, MAX_FILE_BYTES } from '../shared/people-list';
import type { FormPage } from './forms';
import { createUpload, type Inspection, type ReceivedUpload } from './upload';

/** The CSV file's content check (the upload pipeline's hook): readable UTF-8 text, not a workbook. */
function inspectListFile(file: ReceivedUpload): Inspection<string> {
  const decoded = decodeListFile({ buffer: file.bytes ?? Buffer.alloc(0), mimetype: file.mimeType, originalname: file.originalName });
  return decoded.ok ? { ok: true, content: decoded.text } : { ok: false, messageKey: decoded.error };
}

/**
 * A list of people sent to `page` (bulk enrollment, invitations): in memory, one CSV file of
 * at most 1 MB checked by content, or a pasted list as long.
 */
export function peopleListUpload(page: FormPage) {
  return createUpload({
    fileFields: ['file'],
    maxMegabytes: MAX_FILE_BYTES / (1024 * 1024),
    maxFieldBytes: MAX_FILE_BYTES,
    page,
    messages: { tooLarge: 'bulk.errors.fileTooLarge', fieldTooLong: 'bulk.errors.listTooLong' },
    inspect: inspectListFile,
  });
}
