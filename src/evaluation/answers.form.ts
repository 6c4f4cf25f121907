/**
 * The answer form of a questionnaire version, as pure rules: which field names the items get,
 * what a submitted body means, and which German/English message each problem shows. The form is
 * built from the version's items at run time, so this is not a static zod schema; it returns the
 * same shape as `parseForm` (field errors keyed by the id of the first input of the item).
 */

export type ItemKind = 'scale' | 'single' | 'multiple' | 'text';

export type AnswerItem = {
  id: number;
  position: number;
  kind: ItemKind;
  prompt: string;
  required: boolean;
  scale_low_label: string | null;
  scale_high_label: string | null;
  options: string[];
};

/** One answer per item id: 1..5, an option index, option indexes, or a free text. */
export type Answers = Record<string, number | number[] | string>;

/** Free texts are limited so an answer stays a comment, not a document. */
export const TEXT_MAX_LENGTH = 2000;
export const SCALE_POINTS = [1, 2, 3, 4, 5] as const;

export const fieldName = (item: Pick<AnswerItem, 'id'>) => `item_${item.id}`;

/** The id the error summary links to: the first radio or checkbox of a group, the textarea of a text item. */
export const firstFieldId = (item: Pick<AnswerItem, 'id'>) => `field-${fieldName(item)}`;

export type AnswerResult =
  | { ok: true; answers: Answers }
  | { ok: false; errors: Record<string, string>; errorParams: Record<string, Record<string, unknown>> };

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string');
}

function integerIn(value: string, min: number, max: number): number | null {
  if (!/^\d{1,3}$/.test(value)) return null;
  const number = Number(value);
  return number >= min && number <= max ? number : null;
}

/** Reads a submitted body against the items; unknown fields are ignored, every item checked. */
export function parseAnswers(items: readonly AnswerItem[], body: unknown): AnswerResult {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const answers: Answers = {};
  const errors: Record<string, string> = {};
  const errorParams: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const name = fieldName(item);
    const values = asList(input[name]);
    const missing = () => {
      if (item.required) errors[name] = `evaluationAnswers.errors.required.${item.kind}`;
    };
    if (item.kind === 'text') {
      const text = (values[0] ?? '').trim();
      if (text.length > TEXT_MAX_LENGTH) {
        errors[name] = 'evaluationAnswers.errors.tooLong';
        errorParams[name] = { max: TEXT_MAX_LENGTH };
      } else if (text) answers[String(item.id)] = text;
      else missing();
      continue;
    }
    if (item.kind === 'multiple') {
      const chosen = values.map((value) => integerIn(value, 0, item.options.length - 1));
      if (chosen.some((value) => value === null)) errors[name] = 'evaluationAnswers.errors.invalidChoice';
      else if (chosen.length > 0) answers[String(item.id)] = [...new Set(chosen as number[])].sort((a, b) => a - b);
      else missing();
      continue;
    }
    if (values.length === 0 || values[0] === '') {
      missing();
      continue;
    }
    const value = values.length === 1 ? (item.kind === 'scale' ? integerIn(values[0]!, 1, 5) : integerIn(values[0]!, 0, item.options.length - 1)) : null;
    if (value === null) errors[name] = 'evaluationAnswers.errors.invalidChoice';
    else answers[String(item.id)] = value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors, errorParams } : { ok: true, answers };
}

/** What the form shows again after a failed submit: each item's chosen values as strings. */
export function keptAnswers(items: readonly AnswerItem[], body: unknown): Record<string, string[]> {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return Object.fromEntries(items.map((item) => [fieldName(item), asList(input[fieldName(item)]).map((value) => value.slice(0, TEXT_MAX_LENGTH + 100))]));
}
