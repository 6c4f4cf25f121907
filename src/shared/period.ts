import { fromZonedTime } from 'date-fns-tz';
import { z } from 'zod';
import { TIME_ZONE } from './format';

/**
 * The period filters of report-like pages (funder reports, evaluation results): inclusive
 * calendar days in Berlin as a date input sends them, either end may be empty. Written once
 * so "from 1 March" means the same everywhere.
 */

/** A calendar date as a date input sends it ("2026-03-31"), and only one that exists. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 2000 && year <= 2100 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A GET field: trimmed text, or undefined when empty or missing. */
export const optionalQueryText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined));

/** An optional calendar day; `message` is the translation key of the error. */
export const calendarDayField = (message: string) => optionalQueryText.refine((value) => value === undefined || isCalendarDate(value), message);

/** A refinement: "to" must not lie before "from" (the error goes on "to"). */
export function periodInOrder(message: string) {
  return (filter: { from?: string; to?: string }, context: z.RefinementCtx): void => {
    if (filter.from && filter.to && isCalendarDate(filter.from) && isCalendarDate(filter.to) && filter.from > filter.to) {
      context.addIssue({ code: 'custom', path: ['to'], message });
    }
  };
}

export function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** Midnight in Berlin at the start of a day. */
export function berlinMidnight(day: string): Date {
  return fromZonedTime(`${day}T00:00:00`, TIME_ZONE);
}

/**
 * Empty ends default to the calendar year: of the other end if one is given (so "from
 * 1 March 2027" alone means March to December 2027), else of today in Berlin.
 */
export function periodDays(filter: { from?: string; to?: string }, todayInBerlin: string): { fromDay: string; toDay: string } {
  const year = (filter.from ?? filter.to ?? todayInBerlin).slice(0, 4);
  return { fromDay: filter.from ?? `${(filter.to ?? todayInBerlin).slice(0, 4)}-01-01`, toDay: filter.to ?? `${year}-12-31` };
}
