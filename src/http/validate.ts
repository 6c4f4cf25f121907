import type { z } from 'zod';
import { hasTranslation } from '../i18n/i18n';

export type FieldErrors = Record<string, string>;
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/**
 * Parses a submitted form with a zod schema. Schemas carry translation keys as
 * messages, so the same schema speaks German and English; the first problem per
 * field is kept, the way the form shows it.
 */
export function parseForm<S extends z.ZodType>(schema: S, input: unknown): FormResult<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '_form';
    // Schemas give translation keys; zod's own English defaults become a generic message.
    if (!errors[field]) errors[field] = hasTranslation(issue.message, 'de') ? issue.message : 'validation.invalid';
  }
  return { ok: false, errors };
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
