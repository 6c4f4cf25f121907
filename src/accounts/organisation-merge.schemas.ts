import { z } from 'zod';

const organisationId = z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne');

export const mergePreviewSchema = z.object({ keepId: organisationId });

/** The confirmation carries the number of people the preview showed: a changed figure means look again. */
export const mergeConfirmSchema = z.object({
  keepId: organisationId,
  expectedPeople: z.coerce.number({ error: 'validation.invalid' }).int('validation.invalid').min(0, 'validation.invalid'),
});
