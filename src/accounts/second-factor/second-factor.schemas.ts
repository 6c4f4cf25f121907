import { z } from 'zod';

// Messages are translation keys; the form shows them in the visitor's language.
const code = z.string({ error: 'secondFactor.errors.codeRequired' }).trim().min(1, 'secondFactor.errors.codeRequired').max(40, 'secondFactor.errors.codeWrong');

/** A code at login: six digits from the app, or a recovery code ("ABCDE-FGHJK"). */
export const loginCodeSchema = z.object({ code });

/** Setting up: the offered key (encrypted, from the form) and a code from the app. */
export const setupSchema = z.object({
  secret: z.string({ error: 'secondFactor.errors.setupExpired' }).min(1, 'secondFactor.errors.setupExpired').max(200, 'secondFactor.errors.setupExpired'),
  code: z
    .string({ error: 'secondFactor.errors.codeRequired' })
    .trim()
    .min(1, 'secondFactor.errors.codeRequired')
    .transform((value) => value.replace(/\s+/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'secondFactor.errors.codeFormat')),
  next: z.string().max(2000).optional(),
});
