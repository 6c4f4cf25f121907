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
