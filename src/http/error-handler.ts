import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { isDatabaseUnavailable, violatedConstraint } from '../db/errors';
import { AppError, Invalid, NotFound, ServiceUnavailable } from '../shared/errors';
import { renderFormPage, type FormPage } from './forms';
import { keptInput } from './validate';
import { isCsrfError } from './security';
import { DEFAULT_LOCALE, hasTranslation, translatorFor } from '../i18n/i18n';
import { localeMiddleware, viewLocals } from './locals';
import { pageRenderer } from './render';

/** Seconds a client is asked to wait when the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 30;

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFound());
}

/**
 * The one place errors become pages. Known errors show their German/English message;
 * anything unexpected is logged with the request id and shown as a generic 500 page,
 * never with a stack trace.
 */
export function errorHandler(logger: Logger, config: Config) {
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
    let extraMessageKey: string | undefined;
    const constraint = violatedConstraint(error);
    if (isDatabaseUnavailable(error)) {
      // Expected during a restart or failover: no stack trace, the page tells the person what to do.
      (req.log ?? logger).warn({ err: error }, 'database unavailable: answered 503');
      error = new ServiceUnavailable(DATABASE_RETRY_AFTER_SECONDS);
      if (req.method !== 'GET' && req.method !== 'HEAD') extraMessageKey = 'errors.unavailable.afterForm';
    } else if (constraint) {
      (req.log ?? logger).info({ constraint: constraint.constraint, kind: constraint.kind }, 'change refused by a database constraint: answered 409');
      const specific = `errors.constraint.${constraint.constraint ?? ''}`;
      error = new AppError(409, constraint.constraint && hasTranslation(specific, DEFAULT_LOCALE) ? specific : 'errors.constraint.generic');
    }
    if (error instanceof ServiceUnavailable && !res.headersSent) res.setHeader('Retry-After', String(error.retryAfterSeconds));
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
    if (!res.renderPage || !res.locals.t) {
      // The failure came before the page middleware ran (e.g. the session store was unreachable):
      // set up an anonymous page so the person still gets the site's error page, not bare text.
      localeMiddleware(req, res, () => undefined);
      pageRenderer(req, res, () => undefined);
      viewLocals(config)(req, res, () => undefined);
      res.locals.csrfToken = () => '';
    }
    const t = req.t ?? translatorFor(DEFAULT_LOCALE);
    const titleKey = `errors.${statusTitle(status)}.title`;
    const message = t(messageKey, params);
    const detail = extraMessageKey ? t(extraMessageKey) : undefined;
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: detail ? `${message} ${detail}` : message });
      return;
    }
    res.renderPage('errors/error', { title: t(titleKey), status, message, detail });
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
    case 503:
      return 'unavailable';
    default:
      return 'server';
  }
}
