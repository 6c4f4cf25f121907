import { z } from 'zod';
import { RECIPIENT_GROUPS } from './messages.queries';

export const SUBJECT_MAX = 200;
export const BODY_MAX = 10_000;

const text = (max: number) =>
  z
    .unknown()
    .transform((value) => (typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim() : ''))
    .pipe(z.string().min(1, 'validation.required').max(max, 'validation.maxLength'));

/** One checkbox per group ("group_confirmed=yes"), so the form keeps them after an error; read as one list. */
function withGroups(input: unknown): unknown {
  const form = (input ?? {}) as Record<string, unknown>;
  return { ...form, groups: RECIPIENT_GROUPS.filter((group) => form[`group_${group}`] === 'yes') };
}

/**
 * A coordinator's message: at least one group, a subject and a plain text. `action` says
 * whether the preview's "send" or "change" button was pressed.
 */
export const messageSchema = z.preprocess(
  withGroups,
  z.object({
    groups: z.array(z.enum(RECIPIENT_GROUPS)).min(1, 'messages.errors.groupRequired'),
    subject: text(SUBJECT_MAX),
    body: text(BODY_MAX),
    action: z
      .unknown()
      .optional()
      .transform((value): 'edit' | 'send' => (value === 'edit' ? 'edit' : 'send')),
  }),
);

export type MessageInput = z.output<typeof messageSchema>;
