import type { Locale } from '../i18n/i18n';
import { formatDate } from '../shared/format';
import { fieldName, firstFieldId, SCALE_POINTS, TEXT_MAX_LENGTH, type AnswerItem } from './answers.form';
import type { AnswerPage } from './answers.service';
import { subjectOf } from './evaluations.service';

type Translate = (key: string, options?: Record<string, unknown>) => string;

export type FormOption = { id: string; value: string; label: string; checked: boolean };

export type FormItem = {
  name: string;
  fieldId: string;
  kind: AnswerItem['kind'];
  legend: string;
  legendId: string;
  required: boolean;
  hint: string | null;
  options: FormOption[];
  text: string;
  maxLength: number;
  error: string | null;
  errorParams: Record<string, unknown> | undefined;
};

/** The items as the template draws them: one fieldset each, the first input carrying the id the error summary links to. */
export function formItems(
  items: readonly AnswerItem[],
  t: Translate,
  kept: Record<string, string[]> = {},
  errors: Record<string, string> = {},
  errorParams: Record<string, Record<string, unknown>> = {},
): FormItem[] {
  return items.map((item, index) => {
    const name = fieldName(item);
    const fieldId = firstFieldId(item);
    const chosen = kept[name] ?? [];
    const choices =
      item.kind === 'scale'
        ? SCALE_POINTS.map((point) => ({
            value: String(point),
            label: point === 1 ? t('evaluationAnswers.form.scaleEnd', { point, label: item.scale_low_label ?? '' }) : point === 5 ? t('evaluationAnswers.form.scaleEnd', { point, label: item.scale_high_label ?? '' }) : String(point),
          }))
        : item.options.map((option, optionIndex) => ({ value: String(optionIndex), label: option }));
    return {
      name,
      fieldId,
      kind: item.kind,
      legend: t('evaluationAnswers.form.legend', { number: index + 1, prompt: item.prompt }),
      legendId: `${fieldId}-legend`,
      required: item.required,
      hint:
        item.kind === 'scale'
          ? t('evaluationAnswers.form.scaleHint', { low: item.scale_low_label ?? '', high: item.scale_high_label ?? '' })
          : item.kind === 'multiple'
            ? t('evaluationAnswers.form.multipleHint')
            : item.kind === 'text'
              ? t('evaluationAnswers.form.textHint', { max: TEXT_MAX_LENGTH })
              : null,
      options: choices.map((choice, choiceIndex) => ({ ...choice, id: choiceIndex === 0 ? fieldId : `${fieldId}-${choice.value}`, checked: chosen.includes(choice.value) })),
      text: item.kind === 'text' ? (chosen[0] ?? '') : '',
      maxLength: TEXT_MAX_LENGTH,
      error: errors[name] ?? null,
      errorParams: errorParams[name],
    };
  });
}

/** The heading line of an evaluation: what it is about and until when it can be answered. */
export function evaluationHeading(page: Pick<AnswerPage, 'evaluation'>, locale: Locale) {
  return { subject: subjectOf(page.evaluation, locale), closes: formatDate(page.evaluation.closes_at, locale) };
}
