import { z } from 'zod';

/**
 * A select whose empty option means "none": null when empty, else a positive whole id;
 * anything else is refused with `message` (a translation key).
 */
export const optionalSelectedId = (message: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return null;
      const id = Number(value);
      if (!Number.isSafeInteger(id) || id <= 0) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return id;
    });
