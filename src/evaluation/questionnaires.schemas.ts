import { z } from 'zod';
import { hasDuplicateOptions, INTRODUCTION_MAX, isChoice, ITEM_KINDS, OPTION_MAX, OPTIONS_MAX, optionLines, PROMPT_MAX, SCALE_LABEL_MAX, TITLE_MAX, type ItemContent } from './questionnaires.model';

// Messages are translation keys; the form shows them in the visitor's language.
const text = (max: number) => z.string().trim().max(max, 'validation.maxLength').optional().default('');

const itemShape = {
  kind: z.enum(ITEM_KINDS, 'evaluationBuilder.errors.kind'),
  prompt: z.string({ error: 'evaluationBuilder.errors.promptRequired' }).trim().min(1, 'evaluationBuilder.errors.promptRequired').max(PROMPT_MAX, 'validation.maxLength'),
  required: z
    .string()
    .optional()
    .transform((value) => value === 'yes'),
  scaleLowLabel: text(SCALE_LABEL_MAX),
  scaleHighLabel: text(SCALE_LABEL_MAX),
  options: z.string().max(OPTIONS_MAX * (OPTION_MAX + 2), 'validation.tooLong').optional().default(''),
};

type ItemFields = { kind: ItemContent['kind']; prompt: string; required: boolean; scaleLowLabel: string; scaleHighLabel: string; options: string };

/** The rules that depend on the kind: a scale names both ends, a choice offers at least two distinct options. */
function checkKind(item: ItemFields, ctx: z.RefinementCtx): void {
  if (item.kind === 'scale') {
    if (!item.scaleLowLabel) ctx.addIssue({ code: 'custom', path: ['scaleLowLabel'], message: 'evaluationBuilder.errors.scaleLabelRequired' });
    if (!item.scaleHighLabel) ctx.addIssue({ code: 'custom', path: ['scaleHighLabel'], message: 'evaluationBuilder.errors.scaleLabelRequired' });
  }
  if (isChoice(item.kind)) {
    const options = optionLines(item.options);
    if (options.some((option) => option.length > OPTION_MAX)) ctx.addIssue({ code: 'custom', path: ['options'], message: 'evaluationBuilder.errors.optionTooLong' });
    else if (options.length < 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'evaluationBuilder.errors.optionsTooFew' });
    else if (options.length > OPTIONS_MAX) ctx.addIssue({ code: 'custom', path: ['options'], message: 'evaluationBuilder.errors.optionsTooMany' });
    else if (hasDuplicateOptions(options)) ctx.addIssue({ code: 'custom', path: ['options'], message: 'evaluationBuilder.errors.optionsDuplicate' });
  }
}

/** What is stored: fields that do not belong to the kind are dropped, not kept hidden. */
function itemContent(item: ItemFields): ItemContent {
  return {
    kind: item.kind,
    prompt: item.prompt,
    required: item.required,
    scaleLowLabel: item.kind === 'scale' ? item.scaleLowLabel : null,
    scaleHighLabel: item.kind === 'scale' ? item.scaleHighLabel : null,
    options: isChoice(item.kind) ? optionLines(item.options) : [],
  };
}

export const itemSchema = z.object(itemShape).superRefine(checkKind).transform(itemContent);

const metaShape = {
  title: z.string({ error: 'evaluationBuilder.errors.titleRequired' }).trim().min(1, 'evaluationBuilder.errors.titleRequired').max(TITLE_MAX, 'validation.maxLength'),
  introduction: text(INTRODUCTION_MAX),
};

export const metaSchema = z.object(metaShape);
export type MetaInput = z.output<typeof metaSchema>;

/** A new questionnaire comes with its first question: a questionnaire without one cannot be saved. */
export const newQuestionnaireSchema = z
  .object({ ...metaShape, ...itemShape })
  .superRefine(checkKind)
  .transform((input) => ({ meta: { title: input.title, introduction: input.introduction }, item: itemContent(input) }));
export type NewQuestionnaireInput = z.output<typeof newQuestionnaireSchema>;

export const moveSchema = z.object({ direction: z.enum(['up', 'down'], 'validation.selectOne') });

export const confirmSchema = z.object({});

/** The list's filter: current questionnaires, or the archived ones. */
export const listFilterSchema = z.object({
  archived: z
    .string()
    .optional()
    .transform((value) => value === 'yes')
    .catch(false),
  page: z.unknown().optional(),
});
