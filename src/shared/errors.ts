/**
 * Typed errors thrown by services and guards. The one error handler turns them into
 * a German (or English) error page with the right status; anything else is a 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly messageKey: string,
    readonly params: Record<string, unknown> = {},
  ) {
    super(messageKey);
    this.name = new.target.name;
  }
}

export class NotFound extends AppError {
  constructor(messageKey = 'errors.notFound.text') {
    super(404, messageKey);
  }
}

export class Forbidden extends AppError {
  constructor(messageKey = 'errors.forbidden.text') {
    super(403, messageKey);
  }
}

export class Conflict extends AppError {
  constructor(messageKey: string, params: Record<string, unknown> = {}) {
    super(409, messageKey, params);
  }
}

export class TooManyRequests extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'errors.tooManyRequests.text', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
  }
}

/**
 * A business rule rejected valid-looking input; shown next to the field (or the form).
 * `fieldParams` fill placeholders of a field's message ("Es sind bereits {{count}} …").
 */
export class Invalid extends AppError {
  constructor(
    readonly fieldErrors: Record<string, string>,
    readonly fieldParams: Record<string, Record<string, unknown>> = {},
  ) {
    super(422, 'errors.invalid.text');
  }
}

/** The service cannot answer right now (database unreachable, shutting down); try again later. */
export class ServiceUnavailable extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    messageKey = 'errors.unavailable.text',
  ) {
    super(503, messageKey);
  }
}
