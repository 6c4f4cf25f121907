import { z } from 'zod';

/** The same check as for a single enrollment by hand and for registration. */
export const bulkEmail = z.string().trim().min(1).max(254).pipe(z.email());

export const MAX_NAME_LENGTH = 100;

/**
 * The list form: pasted text and/or an uploaded file (the file arrives through the upload
 * pipeline, not in the body). Which of the two is used is decided in the handler, because
 * only it knows whether a file came along.
 */
export const bulkListSchema = z.object({
  list: z.string().max(300_000, 'bulk.errors.listTooLong').optional().default(''),
});

/** "Jetzt übernehmen" names the preview it confirms; the rows themselves stay on the server. */
export const bulkConfirmSchema = z.object({
  previewId: z.string({ error: 'bulk.errors.previewMissing' }).regex(/^[\w-]{16,64}$/, 'bulk.errors.previewMissing'),
});
