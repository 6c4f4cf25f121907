import { z } from 'zod';
import { pageNumber } from '../shared/paging';
import { berlinMidnight, calendarDayField, nextDay, optionalQueryText, periodDays, periodInOrder } from '../shared/period';

export { berlinMidnight };

const dateField = calendarDayField('evaluationResults.errors.dateInvalid');

const idField = (message: string) =>
  optionalQueryText.refine((value) => value === undefined || /^[1-9]\d{0,8}$/.test(value), message).transform((value) => (value ? Number(value) : null));

const inOrder = periodInOrder('evaluationResults.errors.toBeforeFrom');

/** The results list (a GET form): an optional period of inclusive Berlin days and an optional programme. */
export const resultsFilterSchema = z
  .object({
    from: dateField,
    to: dateField,
    programme: idField('evaluationResults.errors.programmeInvalid'),
    page: z
      .unknown()
      .optional()
      .transform((value) => pageNumber(value)),
  })
  .superRefine(inOrder);

export type ResultsFilter = z.output<typeof resultsFilterSchema>;

/** The comparison (a GET form): which questionnaire, the period (default: this year), optionally one programme. */
export const comparisonFilterSchema = z
  .object({
    questionnaire: idField('evaluationResults.errors.questionnaireInvalid'),
    from: dateField,
    to: dateField,
    programme: idField('evaluationResults.errors.programmeInvalid'),
  })
  .superRefine(inOrder);

export type ComparisonFilter = z.output<typeof comparisonFilterSchema>;

/** The instants [from, until) of inclusive Berlin days; an empty end is open. */
export function periodInstants(fromDay: string | undefined, toDay: string | undefined): { from: Date | null; until: Date | null } {
  return { from: fromDay ? berlinMidnight(fromDay) : null, until: toDay ? berlinMidnight(nextDay(toDay)) : null };
}

/** The comparison's period: empty ends default to the calendar year of the other end, or of today. */
export function comparisonDays(filter: Pick<ComparisonFilter, 'from' | 'to'>, todayInBerlin: string): { fromDay: string; toDay: string } {
  return periodDays(filter, todayInBerlin);
}
