import { z } from 'zod';

/** Erasing cannot be undone: the form asks for an explicit tick. */
export const erasureConfirmSchema = z.object({
  confirm: z.literal('yes', { error: 'privacy.erasure.validation.confirmRequired' }),
});
