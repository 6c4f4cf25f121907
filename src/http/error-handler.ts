import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, Invalid, NotFound } from './errors';
import { renderFormPage, type FormPage } from './forms';
import { keptInput } from './validate';
import { isCsrfError } from './security';
import { DEFAULT_LOCALE, translatorFor } from '../i18n/i18n';

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFound());
}

/**
 * The one place errors become pages. Known errors show their German/English message;
 * anything unexpected is logged with the request id and shown as a generic 500 page,
 * never with a stack trace.
 */
export function errorHandler(logger: Logger) {
  // Express recognises error handlers by their four parameters.
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    const formPage = res.locals.formPage as FormPage | undefined;
    if (error instanceof Invalid && formPage && !res.headersSent) {
      if (res.locals.formParams) req.params = res.locals.formParams as Request['params'];
      renderFormPage(req, res, formPage, error.fieldErrors, keptInput(req.body), error.fieldParams).catch(next);
      return;
    }
    let status = 500;
    let messageKey = 'errors.server.text';
    let params: Record<string, unknown> = {};
    if (error instanceof AppError) {
      status = error.status;
      messageKey = error.messageKey;
      params = error.params;
    } else if (isCsrfError(error)) {
      status = 403;
      messageKey = 'errors.csrf.text';
    } else if ((error as { type?: string } | null)?.type === 'entity.too.large') {
      status = 413;
      messageKey = 'errors.tooLarge.text';
    } else if (isClientError(error)) {
      // Raised by Express itself: a missing static file (404), a malformed address (400).
      status = error.status;
      messageKey = status === 404 ? 'errors.notFound.text' : 'errors.invalid.text';
    } else {
      const requestId = (req as { id?: unknown }).id;
      (req.log ?? logger).error({ err: error, requestId }, 'unhandled error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const t = req.t ?? translatorFor(DEFAULT_LOCALE);
    const titleKey = `errors.${statusTitle(status)}.title`;
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: t(messageKey, params) });
      return;
    }
    if (!res.renderPage || !res.locals.t) {
      res.type('text/plain').send(t(messageKey, params));
      return;
    }
    res.renderPage('errors/error', { title: t(titleKey), status, message: t(messageKey, params) });
  };
}

function isClientError(error: unknown): error is { status: number } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function statusTitle(status: number): string {
  switch (status) {
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 413:
      return 'tooLarge';
    case 400:
    case 422:
      return 'invalid';
    case 429:
      return 'tooManyRequests';
    default:
      return 'server';
  }
}
