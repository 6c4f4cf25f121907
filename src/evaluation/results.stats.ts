import { randomInt } from 'node:crypto';

/**
 * The figures of evaluation results, pure: what one item's answers add up to. Answers come as
 * the responses store them (`{"<item id>": 1..5 | option index | [option indexes] | "text"}`);
 * anything else in a response (an item left out, a value of another kind) counts as not answered.
 */

export type ItemKind = 'scale' | 'single' | 'multiple' | 'text';
export type ResultItem = { id: number; kind: ItemKind; prompt: string; position: number; options: string[]; scale_low_label: string | null; scale_high_label: string | null };

/** The points of a scale item, low to high. */
export const SCALE_POINTS = [1, 2, 3, 4, 5] as const;

export type Distribution = {
  /** People who answered this item (for a multiple choice: who ticked at least one option). */
  answered: number;
  /** One count per scale point or option, in the order shown. */
  counts: number[];
};

export type ScaleFigures = Distribution & { mean: number | null; median: number | null };

export type ItemResult =
  | { item: ResultItem; kind: 'scale'; figures: ScaleFigures }
  | { item: ResultItem; kind: 'single' | 'multiple'; figures: Distribution }
  | { item: ResultItem; kind: 'text'; texts: string[] };

export type Answers = Record<string, unknown>;

function isScalePoint(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= SCALE_POINTS.length;
}

function isOptionIndex(value: unknown, optionCount: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < optionCount;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The middle value; of an even number of values, the mean of the two in the middle. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Fisher–Yates with a cryptographic random source: the order says nothing about who answered when. */
export function shuffled<T>(values: readonly T[], random: (max: number) => number = randomInt): T[] {
  const copy = [...values];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = random(index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

export function scaleFigures(values: readonly unknown[]): ScaleFigures {
  const points = values.filter(isScalePoint);
  return {
    answered: points.length,
    counts: SCALE_POINTS.map((point) => points.filter((value) => value === point).length),
    mean: mean(points),
    median: median(points),
  };
}

export function choiceFigures(values: readonly unknown[], optionCount: number, multiple: boolean): Distribution {
  const counts = new Array<number>(optionCount).fill(0);
  let answered = 0;
  for (const value of values) {
    const chosen = multiple ? (Array.isArray(value) ? [...new Set(value.filter((index) => isOptionIndex(index, optionCount)))] : []) : isOptionIndex(value, optionCount) ? [value] : [];
    if (chosen.length === 0) continue;
    answered += 1;
    for (const index of chosen) counts[index]! += 1;
  }
  return { answered, counts };
}

export function freeTexts(values: readonly unknown[]): string[] {
  return values.filter((value): value is string => typeof value === 'string' && value.trim() !== '').map((value) => value.trim());
}

/** Every item's figures from the responses of one evaluation; free texts in a fresh random order. */
export function itemResults(items: readonly ResultItem[], responses: readonly Answers[], random?: (max: number) => number): ItemResult[] {
  return items.map((item) => {
    const values = responses.map((answers) => answers[String(item.id)]);
    if (item.kind === 'scale') return { item, kind: 'scale', figures: scaleFigures(values) };
    if (item.kind === 'text') return { item, kind: 'text', texts: shuffled(freeTexts(values), random) };
    return { item, kind: item.kind, figures: choiceFigures(values, item.options.length, item.kind === 'multiple') };
  });
}

/** Whether a group of `responses` answers may be shown at all (EVALUATION_MIN_RESPONSES). */
export function reachesThreshold(responses: number, minResponses: number): boolean {
  return responses >= minResponses;
}

/** A share in percent with one decimal, or null of nothing. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}
