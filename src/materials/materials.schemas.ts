import { z } from 'zod';
import { VISIBILITIES } from './materials.queries';

/** "module:12" or "session:34": where a new material goes. */
const targetSchema = z
  .string({ error: 'materials.validation.target' })
  .regex(/^(module|session):[1-9]\d{0,9}$/, 'materials.validation.target')
  .transform((value) => {
    const [kind, id] = value.split(':') as ['module' | 'session', string];
    return { kind, id: Number(id) };
  });

export const newMaterialSchema = z.object({
  target: targetSchema,
  title: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(200, 'materials.validation.titleTooLong'),
  description: z.string().trim().max(2000, 'materials.validation.descriptionTooLong').optional().default(''),
  visibility: z.enum(VISIBILITIES, { error: 'materials.validation.visibility' }),
});

export type NewMaterialForm = z.output<typeof newMaterialSchema>;

/** A new version: only the file (the form has no other fields). */
export const newVersionSchema = z.object({});

/** `?view=1` on a download link: show it in the browser where that is safe. */
export const downloadQuerySchema = z.object({
  view: z
    .enum(['1'])
    .optional()
    .catch(undefined)
    .transform((value) => value === '1'),
});
