/**
 * Questionnaire items and the pure rules about them (no database here): which kinds exist,
 * how the "one option per line" field becomes options, and when an edited question is still
 * the same question (it keeps its item_key, so results compare across versions).
 */
export const ITEM_KINDS = ['scale', 'single', 'multiple', 'text'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const TITLE_MAX = 200;
export const INTRODUCTION_MAX = 2000;
export const PROMPT_MAX = 500;
export const SCALE_LABEL_MAX = 60;
export const OPTION_MAX = 200;
export const OPTIONS_MAX = 20;
export const ITEMS_MAX = 50;

export type ItemContent = {
  kind: ItemKind;
  prompt: string;
  required: boolean;
  scaleLowLabel: string | null;
  scaleHighLabel: string | null;
  options: string[];
};

export const isChoice = (kind: ItemKind) => kind === 'single' || kind === 'multiple';

/** The options typed one per line: trimmed, empty lines dropped, order kept. */
export function optionLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Options that differ only in case or spacing would be indistinguishable in the results. */
export function hasDuplicateOptions(options: readonly string[]): boolean {
  const seen = new Set(options.map((option) => option.replace(/\s+/g, ' ').toLocaleLowerCase('de')));
  return seen.size !== options.length;
}

/**
 * Whether an edit leaves the question the same for comparisons: kind, wording, scale ends and
 * options unchanged. Making it required or optional does not change what was asked.
 */
export function sameQuestion(before: ItemContent, after: ItemContent): boolean {
  return (
    before.kind === after.kind &&
    before.prompt === after.prompt &&
    (before.scaleLowLabel ?? '') === (after.scaleLowLabel ?? '') &&
    (before.scaleHighLabel ?? '') === (after.scaleHighLabel ?? '') &&
    before.options.length === after.options.length &&
    before.options.every((option, index) => option === after.options[index])
  );
}

/** Item ids in their new order after moving one up or down; unchanged at either end. */
export function moved<T>(ids: readonly T[], id: T, direction: 'up' | 'down'): T[] {
  const order = [...ids];
  const index = order.indexOf(id);
  const target = direction === 'up' ? index - 1 : index + 1;
  if (index < 0 || target < 0 || target >= order.length) return order;
  order.splice(index, 1);
  order.splice(target, 0, id);
  return order;
}
