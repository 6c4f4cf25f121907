import { z } from 'zod';
import { personName } from './accounts.schemas';
import { ROLES } from './roles';

const required = (max: number) => z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(max, 'validation.maxLength');


export const invitationSchema = z.object({
  firstName: personName,
  lastName: personName,
  email: required(254).pipe(z.email('validation.email')),
  organisationId: z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne'),
  role: z.enum(ROLES, 'validation.selectOne'),
  locale: z.enum(['de', 'en'], 'validation.selectOne'),
});

/** Pasted text; a file arrives through the upload pipeline. Which one counts is decided in the handler. */
export const invitationListSchema = z.object({
  list: z.string().max(300_000, 'bulk.errors.listTooLong').optional().default(''),
});

/** "Jetzt einladen" names the preview it confirms; the rows stay on the server. */
export const invitationConfirmSchema = z.object({
  previewId: z.string({ error: 'admin.invitations.errors.previewGone' }).regex(/^[\w-]{16,64}$/, 'admin.invitations.errors.previewGone'),
});
