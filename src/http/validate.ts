import type { z } from 'zod';
import { hasTranslation } from '../i18n/i18n';

export type FieldErrors = Record<string, string>;
/** Values a message names, per field: `{ title: { max: 200 } }` for "Höchstens {{max}} Zeichen." */
export type FieldErrorParams = Record<string, Record<string, unknown>>;
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; errorParams: FieldErrorParams };

/**
 * The limit a length or size problem broke, for the message to name it ("Höchstens 200
 * Zeichen.") instead of only saying "too long"; zod knows it, the schema need not repeat it.
 */
function limitOf(issue: z.core.$ZodIssue): Record<string, unknown> | undefined {
  if (issue.code === 'too_big') return { max: Number(issue.maximum) };
  if (issue.code === 'too_small') return { min: Number(issue.minimum) };
  return undefined;
}

/**
 * Parses a submitted form with a zod schema. Schemas carry translation keys as
 * messages, so the same schema speaks German and English; the first problem per
 * field is kept, the way the form shows it, with the values its message names.
 */
export function parseForm<S extends z.ZodType>(schema: S, input: unknown): FormResult<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  const errorParams: FieldErrorParams = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '_form';
    if (errors[field]) continue;
    // Schemas give translation keys; zod's own English defaults become a generic message.
    errors[field] = hasTranslation(issue.message, 'de') ? issue.message : 'validation.invalid';
    const limit = limitOf(issue);
    if (limit) errorParams[field] = limit;
  }
  return { ok: false, errors, errorParams };
}

/** What the client typed, minus secrets: re-rendered into the form after a failed submit. */
export function keptInput(body: unknown, secretFields: string[] = ['password', 'passwordConfirm', '_csrf']): Record<string, string> {
  const values: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (!secretFields.includes(key) && typeof value === 'string') values[key] = value;
    }
  }
  return values;
}
