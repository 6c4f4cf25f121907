import { z } from 'zod';

/** "Ausstellen" for one person (userId) or for everyone eligible (all). */
export const issueSchema = z.union([
  z.object({ all: z.literal('yes') }),
  z.object({ userId: z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne') }),
]);

export const revokeSchema = z.object({
  reason: z.string({ error: 'certificates.validation.reasonRequired' }).trim().min(5, 'certificates.validation.reasonRequired').max(500, 'validation.tooLong'),
});

export const verifyFormSchema = z.object({
  code: z.string({ error: 'certificates.validation.codeRequired' }).trim().min(1, 'certificates.validation.codeRequired').max(60, 'certificates.validation.codeFormat'),
});

/** The coordinator page's GET filter: anything unknown falls back to "all", page 1 (nothing changes, so nothing to refuse). */
export const overviewFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  state: z
    .enum(['all', 'eligible', 'issued', 'revoked'])
    .optional()
    .catch(undefined)
    .transform((state) => (state === 'all' ? undefined : state)),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(1).default(1),
});
