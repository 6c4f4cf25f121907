import { z } from 'zod';

export const enrollByHandSchema = z.object({
  email: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(254, 'validation.tooLong').pipe(z.email('validation.email')),
});

export const moveSchema = z.object({
  targetOfferingId: z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne'),
});

export const capacitySchema = z.object({
  capacity: z.coerce.number({ error: 'enrollment.validation.wholeNumber' }).int('enrollment.validation.wholeNumber').min(1, 'enrollment.validation.capacityMin').max(10000, 'enrollment.validation.capacityMax'),
});
