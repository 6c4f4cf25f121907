import { z } from 'zod';
import { optionalSelectedId } from '../shared/form-fields';
import { ANSWER_DAYS_MAX, ANSWER_DAYS_MIN, OFFERING_MODES, SCOPES, type Scope } from './assignments.model';

// Messages are translation keys; the form shows them in the visitor's language.
const questionnaireId = optionalSelectedId('evaluationBuilder.errors.questionnaireUnavailable');

const answerDays = z
  .string({ error: 'evaluationBuilder.errors.answerDays' })
  .trim()
  .regex(/^\d{1,3}$/, 'evaluationBuilder.errors.answerDays')
  .transform(Number)
  .pipe(z.number().min(ANSWER_DAYS_MIN, 'evaluationBuilder.errors.answerDays').max(ANSWER_DAYS_MAX, 'evaluationBuilder.errors.answerDays'));

const scope = z.enum(SCOPES, 'evaluationBuilder.errors.scope');

/** A programme's default: a questionnaire (none: not evaluated), when, and for how long answers are taken. */
export const programmeAssignmentSchema = z.object({ questionnaireId, scope, answerDays });
export type ProgrammeAssignmentInput = z.output<typeof programmeAssignmentSchema>;

export type OfferingAssignmentInput = { mode: 'programme' } | { mode: 'none' } | { mode: 'other'; questionnaireId: number; scope: Scope; answerDays: number };

/** An offering's choice; questionnaire, scope and period count only for "another questionnaire". */
export const offeringAssignmentSchema = z
  .object({
    mode: z.enum(OFFERING_MODES, 'evaluationBuilder.errors.mode'),
    questionnaireId,
    scope: scope.optional(),
    answerDays: z.string().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.mode !== 'other') return;
    if (input.questionnaireId === null) ctx.addIssue({ code: 'custom', path: ['questionnaireId'], message: 'evaluationBuilder.errors.questionnaireRequired' });
    if (!input.scope) ctx.addIssue({ code: 'custom', path: ['scope'], message: 'evaluationBuilder.errors.scope' });
    if (!answerDays.safeParse(input.answerDays ?? '').success) ctx.addIssue({ code: 'custom', path: ['answerDays'], message: 'evaluationBuilder.errors.answerDays' });
  })
  .transform(
    (input): OfferingAssignmentInput =>
      input.mode === 'other'
        ? { mode: 'other', questionnaireId: input.questionnaireId as number, scope: input.scope as Scope, answerDays: answerDays.parse(input.answerDays) }
        : { mode: input.mode === 'none' ? 'none' : 'programme' },
  );
