import type { Translate } from '../i18n/i18n';
import type { Section } from '../reports/reports.export';
import type { CsvCell } from '../shared/csv';
import { formatDate, type Locale } from '../shared/format';
import type { ComparisonData, EvaluationResult } from './results.service';
import { comparisonViews, optionLines, overview } from './results.view';

/**
 * The results files (XLSX and German-Excel CSV, written by the reports' one writer): aggregates
 * per item, and the free texts in a fresh random order. Never one row per response: a file is
 * forwarded, and rows of a small group could be matched to people. Below the threshold a file
 * holds the counts and the reason, nothing else.
 */

/** A CSV is read by a German Excel (3,75); an XLSX keeps numbers as numbers. */
export type FileKind = 'csv' | 'xlsx';

function decimal(value: number | null, kind: FileKind, locale: Locale): CsvCell {
  if (value === null) return '';
  if (kind === 'xlsx') return value;
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 2, useGrouping: false }).format(value);
}

export function resultSections(result: EvaluationResult, t: Translate, locale: Locale, kind: FileKind): { preamble: CsvCell[][]; sections: Section[] } {
  const facts = overview(result, t, locale).map((fact) => [fact.label, fact.value] as CsvCell[]);
  const notice: CsvCell[][] = result.state === 'withheld' ? [[t('evaluationResults.fields.notice'), t('evaluationResults.withheld', { min: result.minResponses })]] : [];
  const title = t('evaluationResults.files.title');
  const preamble: CsvCell[][] = [[title], ...facts, ...notice];
  const summary: Section = { title: t('evaluationResults.files.overview'), head: [t('evaluationResults.files.term'), t('evaluationResults.files.value')], rows: [...facts, ...notice], widths: [28, 80] };
  // A CSV carries the facts as its preamble; an XLSX has no preamble, its first sheet holds them.
  const withSummary = (rest: Section[]) => (kind === 'csv' ? rest : [summary, ...rest]);
  if (result.state !== 'shown') return { preamble, sections: withSummary([]) };

  const numbered = result.items.map((item, index) => ({ item, number: index + 1 }));
  const answers: Section = {
    title: t('evaluationResults.files.answers'),
    head: [t('evaluationResults.files.number'), t('evaluationResults.files.question'), t('evaluationResults.files.option'), t('evaluationResults.files.count'), t('evaluationResults.files.share')],
    rows: numbered.flatMap(({ item, number }) =>
      item.kind === 'text' ? [] : optionLines(item, t, locale).map((line) => [number, item.item.prompt, line.label, line.count, decimal(line.share, kind, locale)] as CsvCell[]),
    ),
    widths: [8, 60, 36, 10, 12],
  };
  const scales: Section = {
    title: t('evaluationResults.files.scales'),
    head: [t('evaluationResults.files.number'), t('evaluationResults.files.question'), t('evaluationResults.files.answered'), t('evaluationResults.files.mean'), t('evaluationResults.files.median')],
    rows: numbered.flatMap(({ item, number }) =>
      item.kind === 'scale' ? [[number, item.item.prompt, item.figures.answered, decimal(item.figures.mean, kind, locale), decimal(item.figures.median, kind, locale)] as CsvCell[]] : [],
    ),
    widths: [8, 60, 12, 12, 12],
  };
  const texts: Section = {
    title: t('evaluationResults.files.texts'),
    head: [t('evaluationResults.files.number'), t('evaluationResults.files.question'), t('evaluationResults.files.text')],
    rows: numbered.flatMap(({ item, number }) => (item.kind === 'text' ? item.texts.map((text) => [number, item.item.prompt, text] as CsvCell[]) : [])),
    widths: [8, 60, 100],
  };
  return { preamble, sections: withSummary([answers, scales, texts]) };
}

export function comparisonSections(data: ComparisonData, t: Translate, locale: Locale, kind: FileKind): { preamble: CsvCell[][]; sections: Section[] } {
  const period = `${formatDate(`${data.days.fromDay}T12:00:00Z`, locale)} – ${formatDate(`${data.days.toDay}T12:00:00Z`, locale)}`;
  const programme = data.programmes.find((row) => row.programme_id === data.programmeId);
  const facts: CsvCell[][] = [
    [t('evaluationResults.fields.questionnaire'), data.questionnaire?.title ?? ''],
    [t('evaluationResults.filter.period'), period],
    [t('evaluationResults.fields.programme'), programme ? programme.title : t('evaluationResults.filter.allProgrammes')],
    [t('evaluationResults.fields.threshold'), data.minResponses],
  ];
  const tooFew = t('evaluationResults.comparison.tooFew');
  const views = comparisonViews(data, t, locale);
  const figures: Section = {
    title: t('evaluationResults.files.comparison'),
    head: [
      t('evaluationResults.files.number'),
      t('evaluationResults.files.question'),
      t('evaluationResults.fields.offering'),
      t('evaluationResults.fields.programme'),
      t('evaluationResults.comparison.firstOpened'),
      t('evaluationResults.comparison.responses'),
      t('evaluationResults.files.answered'),
      t('evaluationResults.files.mean'),
      t('evaluationResults.files.median'),
    ],
    rows: views.flatMap((item, index) =>
      item.rows.map((row, rowIndex) => {
        const cell = data.items[index]!.cells[rowIndex]!;
        return [
          item.number,
          item.prompt,
          row.offering,
          row.programme,
          row.firstOpened,
          row.responses,
          row.shown ? row.answers : '',
          row.shown ? decimal(cell.mean, kind, locale) : tooFew,
          row.shown ? decimal(cell.median, kind, locale) : tooFew,
        ] as CsvCell[];
      }),
    ),
    widths: [8, 60, 36, 36, 14, 12, 12, 12, 12],
  };
  const summary: Section = { title: t('evaluationResults.files.overview'), head: [t('evaluationResults.files.term'), t('evaluationResults.files.value')], rows: facts, widths: [28, 80] };
  return { preamble: [[t('evaluationResults.comparison.title')], ...facts], sections: kind === 'csv' ? [figures] : [summary, figures] };
}
