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

const dateField = optionalText.refine((value) => value === undefined || isCalendarDate(value), 'reports.errors.dateInvalid');

/**
 * The report filter of every report page and download (a GET form): from and to are
 * inclusive calendar days in Berlin, either may be left empty; the programme is optional.
 */
export const reportFilterSchema = z
  .object({
    from: dateField,
    to: dateField,
    programme: optionalText.refine((value) => value === undefined || /^[1-9]\d{0,8}$/.test(value), 'reports.errors.programmeInvalid').transform((value) => (value ? Number(value) : null)),
    page: z.unknown().optional().transform((value) => pageNumber(value)),
  })
  .superRefine((filter, context) => {
    if (filter.from && filter.to && isCalendarDate(filter.from) && isCalendarDate(filter.to) && filter.from > filter.to) {
      context.addIssue({ code: 'custom', path: ['to'], message: 'reports.errors.toBeforeFrom' });
    }
  });

export type ReportFilter = z.output<typeof reportFilterSchema>;

/** The period a report covers: inclusive days for people, instants [from, until) for the queries. */
export type ResolvedPeriod = { fromDay: string; toDay: string; from: Date; until: Date; programmeId: number | null };

function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/**
 * Empty ends default to the calendar year: of the other end if one is given (so "from
 * 1 March 2027" alone means March to December 2027), else of today in Berlin.
 */
export function resolvePeriod(filter: Pick<ReportFilter, 'from' | 'to' | 'programme'>, todayInBerlin: string): ResolvedPeriod {
  const year = (filter.from ?? filter.to ?? todayInBerlin).slice(0, 4);
  const fromDay = filter.from ?? `${(filter.to ?? todayInBerlin).slice(0, 4)}-01-01`;
  const toDay = filter.to ?? `${year}-12-31`;
  return {
    fromDay,
    toDay,
    from: fromZonedTime(`${fromDay}T00:00:00`, TIME_ZONE),
    until: fromZonedTime(`${nextDay(toDay)}T00:00:00`, TIME_ZONE),
    programmeId: filter.programme,
  };
}
