import type { Translate } from '../i18n/i18n';
import { formatDateTime, formatMonth, type Locale } from '../shared/format';
import { columns, horizontalBars, BAR_COLOUR, TEXT_COLOUR, TEXT_ON_BAR } from './charts';
import type { CoordinatorFigures, StartFilter } from './coordinator-start.service';
import { programmeOptions } from './reports.view';

/**
 * What views/reports/coordinator-start.ejs shows: the figures with their labels and the two
 * charts' geometry. The lead's start page and /reports/overview pass the same object in as
 * `coordinatorStart`.
 */
export function coordinatorStartLocals(figures: CoordinatorFigures | null, filter: { year: string; programme: string }, t: Translate, locale: Locale) {
  if (!figures) return { figures: null, filter, programmeOptions: [] as { value: string; label: string }[] };
  const percentText = (rate: number | null) => (rate === null ? '–' : t('reports.start.percent', { value: rate }));
  const organisationName = (row: CoordinatorFigures['organisations'][number]) => (row.others ? t('reports.start.others') : (row.name ?? t('reports.noOrganisation')));
  const programme = figures.programmes.find((row) => row.programme_id === figures.programmeId);
  const scope = t('reports.start.scope', { year: figures.year, programme: programme ? programme.title : t('reports.filter.allProgrammes') });
  const organisationChart = horizontalBars(figures.organisations.map((row) => ({ label: organisationName(row), value: row.participants, valueText: String(row.participants) })));
  const monthChart = columns(
    figures.months.map((row) => ({ label: t(`reports.charts.monthShort.${row.month}`), value: row.rate, valueText: percentText(row.rate) })),
    { max: 100 },
  );
  return {
    figures,
    filter,
    scope,
    colours: { bar: BAR_COLOUR, text: TEXT_COLOUR, onBar: TEXT_ON_BAR },
    programmeOptions: programmeOptions(figures.programmes),
    attendanceRateText: percentText(figures.attendanceRate),
    /** "Stand: …" for completions and at risk when they come from the snapshot (they may be minutes old). */
    asOfText: figures.completionsAsOf ? t('reports.start.asOf', { time: formatDateTime(figures.completionsAsOf, locale) }) : null,
    organisationChart: {
      id: 'chart-organisations',
      title: t('reports.charts.organisations.title', { scope }),
      description: t('reports.charts.organisations.description', {
        count: figures.organisations.length,
        list: figures.organisations.map((row) => `${organisationName(row)}: ${row.participants}`).join('; '),
      }),
      geometry: organisationChart,
    },
    organisationRows: figures.organisations.map((row) => ({ name: organisationName(row), participants: row.participants })),
    monthChart: {
      id: 'chart-attendance-months',
      title: t('reports.charts.months.title', { scope }),
      description: t('reports.charts.months.description', {
        list: figures.months.filter((row) => row.rate !== null).map((row) => `${formatMonth(monthKey(figures.year, row.month), locale)}: ${percentText(row.rate)}`).join('; ') || t('reports.charts.months.none'),
      }),
      geometry: monthChart,
    },
    monthRows: figures.months.map((row) => ({ name: formatMonth(monthKey(figures.year, row.month), locale), attended: row.attended, marks: row.marks, rateText: percentText(row.rate) })),
  };
}

function monthKey(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** The filter as the form shows it again: what was chosen, or the defaults. */
export function startFilterValues(filter: StartFilter | null, figures: CoordinatorFigures | null): { year: string; programme: string } {
  return { year: String(figures?.year ?? filter?.year ?? ''), programme: figures?.programmeId ? String(figures.programmeId) : '' };
}

export type CoordinatorStartLocals = ReturnType<typeof coordinatorStartLocals>;
