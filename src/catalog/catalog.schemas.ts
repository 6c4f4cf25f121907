import { z } from 'zod';
import { pageNumber } from '../shared/paging';
import { PROGRAMME_KINDS } from './catalog.model';

/** Catalog filters come from links and a GET form: bad values are ignored, not errors. */
export const catalogFilterSchema = z.object({
  kind: z.enum(PROGRAMME_KINDS).optional().catch(undefined),
  programme: z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined),
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
  page: z.unknown().optional().transform(pageNumber),
});
