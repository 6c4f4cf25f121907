import type { Translate } from '../i18n/i18n';
import { BAR_COLOUR, TEXT_COLOUR, TEXT_ON_BAR, horizontalBars } from '../reports/charts';
import { formatDate, formatDateTime, type Locale } from '../shared/format';
import type { EvaluationRow } from './results.queries';
import type { ComparisonData, EvaluationResult } from './results.service';
import { SCALE_POINTS, percent, type ItemResult } from './results.stats';

/** Rows → what the results templates show: labels, German numbers, the charts' geometry. */

export const CHART_COLOURS = { bar: BAR_COLOUR, text: TEXT_COLOUR, onBar: TEXT_ON_BAR };

const numberFormats: Record<Locale, Intl.NumberFormat> = {
  de: new Intl.NumberFormat('de-DE', { maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }),
};

/** "3,75": a figure in the page's language, "–" for none. */
export function formatNumber(value: number | null, locale: Locale): string {
  return value === null ? '–' : numberFormats[locale].format(value);
}

/** "62,5 %". */
export function formatPercent(value: number | null, locale: Locale): string {
  return value === null ? '–' : `${numberFormats[locale].format(value)} %`;
}

/** What was evaluated: a session on a day, a module, or the whole offering. */
export function subjectLabel(row: Pick<EvaluationRow, 'scope' | 'subject_starts_at' | 'subject_ends_at' | 'module_title'>, t: Translate, locale: Locale): string {
  if (row.scope === 'session') return t('evaluationResults.subject.session', { date: row.subject_starts_at ? formatDate(row.subject_starts_at, locale) : '–' });
  if (row.scope === 'module') return t('evaluationResults.subject.module', { module: row.module_title ?? '–' });
  return t('evaluationResults.subject.offering');
}

/** "02.12.2026 – 16.12.2026": from opening to closing. */
export function answerPeriod(row: Pick<EvaluationRow, 'opens_at' | 'closes_at'>, locale: Locale): string {
  return `${formatDate(row.opens_at, locale)} – ${formatDate(row.closes_at, locale)}`;
}

export function listRow(row: EvaluationRow, t: Translate, locale: Locale) {
  const closed = row.closed_at !== null;
  return {
    id: row.id,
    offering: row.offering_title,
    programme: row.programme_title,
    subject: subjectLabel(row, t, locale),
    questionnaire: t('evaluationResults.versionLabel', { title: row.questionnaire_title, version: row.version }),
    period: answerPeriod(row, locale),
    state: closed ? t('evaluationResults.state.closed') : t('evaluationResults.state.open', { date: formatDateTime(row.closes_at, locale) }),
    answered: closed ? t('evaluationResults.answeredOf', { answered: row.answered_count, invited: row.invited_count }) : '–',
  };
}

/** The facts above an evaluation's results (page and files). */
export function overview(result: EvaluationResult, t: Translate, locale: Locale): { label: string; value: string; key: string }[] {
  const row = result.evaluation;
  const open = result.state === 'open';
  const invited = open ? result.evaluation.invited_so_far : row.invited_count;
  const answered = open ? result.evaluation.answered_so_far : row.answered_count;
  return [
    { key: 'programme', label: t('evaluationResults.fields.programme'), value: row.programme_title },
    { key: 'offering', label: t('evaluationResults.fields.offering'), value: row.offering_title },
    { key: 'subject', label: t('evaluationResults.fields.subject'), value: subjectLabel(row, t, locale) },
    { key: 'questionnaire', label: t('evaluationResults.fields.questionnaire'), value: t('evaluationResults.versionLabel', { title: row.questionnaire_title, version: row.version }) },
    { key: 'period', label: t('evaluationResults.fields.period'), value: answerPeriod(row, locale) },
    { key: 'invited', label: t('evaluationResults.fields.invited'), value: String(invited) },
    { key: 'answered', label: t('evaluationResults.fields.answered'), value: String(answered) },
    { key: 'rate', label: t('evaluationResults.fields.rate'), value: formatPercent(percent(answered, invited), locale) },
  ];
}

export type OptionLine = { label: string; count: number; share: number | null; shareText: string };

/** One line per scale point or option: its count and its share of those who answered the item. */
export function optionLines(result: Exclude<ItemResult, { kind: 'text' }>, t: Translate, locale: Locale): OptionLine[] {
  const { figures, item } = result;
  const labels =
    result.kind === 'scale'
      ? SCALE_POINTS.map((point) => {
          const end = point === 1 ? item.scale_low_label : point === SCALE_POINTS.length ? item.scale_high_label : null;
          return end ? t('evaluationResults.scalePointWithLabel', { point, label: end }) : String(point);
        })
      : item.options;
  return labels.map((label, index) => {
    const count = figures.counts[index] ?? 0;
    const share = percent(count, figures.answered);
    return { label, count, share, shareText: formatPercent(share, locale) };
  });
}

/** The page's items: heading, chart, table, and for scales mean and median. */
export function itemViews(items: ItemResult[], t: Translate, locale: Locale) {
  return items.map((result, index) => {
    const number = index + 1;
    const heading = t('evaluationResults.itemHeading', { number, prompt: result.item.prompt });
    if (result.kind === 'text') return { number, heading, kind: result.kind, texts: result.texts, count: result.texts.length };
    const lines = optionLines(result, t, locale);
    const chart = {
      id: `chart-item-${number}`,
      title: t('evaluationResults.chart.title', { number }),
      description: t('evaluationResults.chart.description', { answered: result.figures.answered, list: lines.map((line) => `${line.label}: ${line.count}`).join('; ') }),
      geometry: horizontalBars(lines.map((line) => ({ label: line.label, value: line.count, valueText: String(line.count) }))),
    };
    return {
      number,
      heading,
      kind: result.kind,
      lines,
      chart,
      answered: result.figures.answered,
      meanText: result.kind === 'scale' ? formatNumber(result.figures.mean, locale) : null,
      medianText: result.kind === 'scale' ? formatNumber(result.figures.median, locale) : null,
    };
  });
}

/** The comparison's items: per offering n, mean, median, and a chart of the means (scale 1–5). */
export function comparisonViews(data: ComparisonData, t: Translate, locale: Locale) {
  const tooFew = t('evaluationResults.comparison.tooFew');
  return data.items.map((item, index) => {
    const rows = item.cells.map((cell) => ({
      offering: cell.group.offering_title,
      programme: cell.group.programme_title,
      firstOpened: formatDate(cell.group.first_opened, locale),
      responses: cell.group.responses,
      shown: cell.group.shown,
      answers: cell.answers,
      meanText: cell.group.shown ? formatNumber(cell.mean, locale) : tooFew,
      medianText: cell.group.shown ? formatNumber(cell.median, locale) : tooFew,
      mean: cell.group.shown ? cell.mean : null,
    }));
    // The chart has room for about 28 characters: the date only where two offerings share a title.
    const repeated = new Set(rows.filter((row, rowIndex) => rows.findIndex((other) => other.offering === row.offering) !== rowIndex).map((row) => row.offering));
    const label = (row: (typeof rows)[number]) => (repeated.has(row.offering) ? `${row.offering} (${row.firstOpened})` : row.offering);
    return {
      number: index + 1,
      prompt: item.prompt,
      scaleText: t('evaluationResults.comparison.scale', { low: item.scale_low_label ?? '1', high: item.scale_high_label ?? '5' }),
      rows,
      chart: {
        id: `chart-compare-${index + 1}`,
        title: t('evaluationResults.comparison.chartTitle', { prompt: item.prompt }),
        description: t('evaluationResults.comparison.chartDescription', { list: rows.map((row) => `${label(row)}: ${row.shown ? row.meanText : tooFew}`).join('; ') }),
        geometry: horizontalBars(
          rows.map((row) => ({ label: label(row), value: row.mean, valueText: row.shown ? row.meanText : tooFew })),
          { max: SCALE_POINTS.length },
        ),
      },
    };
  });
}
