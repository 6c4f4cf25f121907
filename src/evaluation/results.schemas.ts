import { fromZonedTime } from 'date-fns-tz';
import { z } from 'zod';
import { TIME_ZONE } from '../shared/format';
import { pageNumber } from '../shared/paging';

/** A calendar date as a date input sends it ("2026-03-31"), and only one that exists. */
function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 2000 && year <= 2100 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const optionalText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined));

const dateField = optionalText.refine((value) => value === undefined || isCalendarDate(value), 'evaluationResults.errors.dateInvalid');

const idField = (message: string) =>
  optionalText.refine((value) => value === undefined || /^[1-9]\d{0,8}$/.test(value), message).transform((value) => (value ? Number(value) : null));

function periodInOrder(filter: { from?: string; to?: string }, context: z.RefinementCtx): void {
  if (filter.from && filter.to && isCalendarDate(filter.from) && isCalendarDate(filter.to) && filter.from > filter.to) {
    context.addIssue({ code: 'custom', path: ['to'], message: 'evaluationResults.errors.toBeforeFrom' });
  }
}

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
  .superRefine(periodInOrder);

export type ResultsFilter = z.output<typeof resultsFilterSchema>;

/** The comparison (a GET form): which questionnaire, the period (default: this year), optionally one programme. */
export const comparisonFilterSchema = z
  .object({
    questionnaire: idField('evaluationResults.errors.questionnaireInvalid'),
    from: dateField,
    to: dateField,
    programme: idField('evaluationResults.errors.programmeInvalid'),
  })
  .superRefine(periodInOrder);

export type ComparisonFilter = z.output<typeof comparisonFilterSchema>;

function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** Midnight in Berlin at the start of a day. */
export function berlinMidnight(day: string): Date {
  return fromZonedTime(`${day}T00:00:00`, TIME_ZONE);
}

/** The instants [from, until) of inclusive Berlin days; an empty end is open. */
export function periodInstants(fromDay: string | undefined, toDay: string | undefined): { from: Date | null; until: Date | null } {
  return { from: fromDay ? berlinMidnight(fromDay) : null, until: toDay ? berlinMidnight(nextDay(toDay)) : null };
}

/** The comparison's period: empty ends default to the calendar year of the other end, or of today. */
export function comparisonDays(filter: Pick<ComparisonFilter, 'from' | 'to'>, todayInBerlin: string): { fromDay: string; toDay: string } {
  const year = (filter.from ?? filter.to ?? todayInBerlin).slice(0, 4);
  return { fromDay: filter.from ?? `${(filter.to ?? todayInBerlin).slice(0, 4)}-01-01`, toDay: filter.to ?? `${year}-12-31` };
}
