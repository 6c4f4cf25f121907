import { z } from 'zod';
import { pageNumber } from '../shared/paging';

export const enrollByHandSchema = z.object({
  email: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(254, 'validation.maxLength').pipe(z.email('validation.email')),
});

export const moveSchema = z.object({
  targetOfferingId: z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne'),
});

export const capacitySchema = z.object({
  capacity: z.coerce.number({ error: 'enrollment.validation.wholeNumber' }).int('enrollment.validation.wholeNumber').min(1, 'enrollment.validation.capacityMin').max(10000, 'enrollment.validation.capacityMax'),
});

export const LIST_STATUSES = ['pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected'] as const;

/**
 * The coordinator's list filter from the URL (or from the hidden fields of an action form,
 * so the list comes back as it was). Read leniently: nonsense shows the whole list.
 */
export const listFilterSchema = z.object({
  status: z.enum(LIST_STATUSES).optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined).transform((value) => value || undefined),
  page: z.unknown().optional().transform(pageNumber),
});

export type ListFilter = z.output<typeof listFilterSchema>;
