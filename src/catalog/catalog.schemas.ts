import { z } from 'zod';

/** Catalog filters come from links and a GET form: bad values are ignored, not errors. */
export const catalogFilterSchema = z.object({
  kind: z.enum(['series', 'workshop', 'event']).optional().catch(undefined),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .catch(undefined),
  free: z
    .enum(['yes'])
    .optional()
    .catch(undefined)
    .transform((value) => value === 'yes'),
});
