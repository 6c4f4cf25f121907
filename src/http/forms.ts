import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { keptInput, parseForm, type FieldErrors } from './validate';

/**
 * A page with a form: which template, which title, and what else it needs (e.g. the
 * list of organisations). The same description renders the empty form (GET) and the
 * form again with errors and the user's input (status 422) — after a failed schema
 * check here, or after a service throws `Invalid` (see the error handler).
 */
export type FormPage = {
  view: string;
  titleKey: string;
  locals?: (req: Request, res: Response) => Promise<Record<string, unknown>> | Record<string, unknown>;
};

export async function renderFormPage(
  req: Request,
  res: Response,
  page: FormPage,
  errors: FieldErrors = {},
  values: Record<string, string> = {},
  errorParams: Record<string, Record<string, unknown>> = {},
): Promise<void> {
  const extra = page.locals ? await page.locals(req, res) : {};
  if (Object.keys(errors).length > 0) res.status(422);
  res.renderPage(page.view, { title: req.t(page.titleKey), errors, errorParams, values, ...extra });
}

export function showForm(page: FormPage) {
  return async (req: Request, res: Response): Promise<void> => renderFormPage(req, res, page, {}, keptInput(req.query));
}

/** Validates req.body; on success the parsed data is in `formData(res)`. */
export function validateForm<S extends z.ZodType>(schema: S, page: FormPage) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.locals.formPage = page;
    // The error handler runs outside this router, where req.params is empty again; it
    // needs them to re-render a page like /admin/organisations/:id after `Invalid`.
    res.locals.formParams = req.params;
    const result = parseForm(schema, req.body);
    if (!result.ok) return renderFormPage(req, res, page, result.errors, keptInput(req.body), result.errorParams);
    res.locals.formData = result.data;
    next();
  };
}

export function formData<T>(res: Response): T {
  return res.locals.formData as T;
}
