import { z } from 'zod';
import { registrationSchema } from './accounts.schemas';

/** The same rules for a name and a department as at registration; the organisation from the list. */
export const personCorrectionSchema = z.object({
  firstName: registrationSchema.shape.firstName,
  lastName: registrationSchema.shape.lastName,
  organisationId: registrationSchema.shape.organisationId,
  department: registrationSchema.shape.department,
});

export type PersonCorrectionInput = z.output<typeof personCorrectionSchema>;
