import { z } from 'zod';
import { pageNumber } from '../shared/paging';
import { berlinMidnight, calendarDayField, nextDay, optionalQueryText, periodDays, periodInOrder } from '../shared/period';

const dateField = calendarDayField('reports.errors.dateInvalid');

/**
 * The report filter of every report page and download (a GET form): from and to are
 * inclusive calendar days in Berlin, either may be left empty; the programme is optional.
 */
export const reportFilterSchema = z
  .object({
    from: dateField,
    to: dateField,
    programme: optionalQueryText.refine((value) => value === undefined || /^[1-9]\d{0,8}$/.test(value), 'reports.errors.programmeInvalid').transform((value) => (value ? Number(value) : null)),
    page: z.unknown().optional().transform((value) => pageNumber(value)),
  })
  .superRefine(periodInOrder('reports.errors.toBeforeFrom'));

export type ReportFilter = z.output<typeof reportFilterSchema>;

/** The period a report covers: inclusive days for people, instants [from, until) for the queries. */
export type ResolvedPeriod = { fromDay: string; toDay: string; from: Date; until: Date; programmeId: number | null };

/**
 * Empty ends default to the calendar year: of the other end if one is given (so "from
 * 1 March 2027" alone means March to December 2027), else of today in Berlin.
 */
export function resolvePeriod(filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>, todayInBerlin: string): ResolvedPeriod {
  const { fromDay, toDay } = periodDays(filter, todayInBerlin);
  return { fromDay, toDay, from: berlinMidnight(fromDay), until: berlinMidnight(nextDay(toDay)), programmeId: filter.programme };
}
