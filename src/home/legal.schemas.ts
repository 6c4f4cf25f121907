import { z } from 'zod';

/** Long enough for a detailed report of a barrier, short enough to stay a mail. */
export const FEEDBACK_MESSAGE_MAX = 5000;

// Messages are translation keys; the form shows them in the visitor's language.
export const accessibilityFeedbackSchema = z.object({
  name: z.string().trim().max(100, 'validation.maxLength').optional().default(''),
  email: z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .max(254, 'validation.maxLength')
    .pipe(z.email('validation.email')),
  message: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(FEEDBACK_MESSAGE_MAX, 'validation.maxLength'),
});

export type AccessibilityFeedback = z.output<typeof accessibilityFeedbackSchema>;
