import type { ItemRow, VersionRow } from './questionnaires.queries';

/**
 * Rows → what the forms show before anybody typed: the field names the schemas read, as
 * strings (options one per line, the required flag as "yes").
 */
export function itemFormValues(item?: ItemRow): Record<string, string> {
  if (!item) return { kind: 'scale', prompt: '', required: '', scaleLowLabel: '', scaleHighLabel: '', options: '' };
  return {
    kind: item.kind,
    prompt: item.prompt,
    required: item.required ? 'yes' : '',
    scaleLowLabel: item.scale_low_label ?? '',
    scaleHighLabel: item.scale_high_label ?? '',
    options: item.options.join('\n'),
  };
}

export function metaFormValues(version?: VersionRow): Record<string, string> {
  return { title: version?.title ?? '', introduction: version?.introduction ?? '' };
}

/** The five points of a scale as participants see them: 1 and 5 carry the end labels. */
export const SCALE_POINTS = [1, 2, 3, 4, 5] as const;

/** An introduction's paragraphs (blank lines separate them), shown as paragraphs rather than one block. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
}
