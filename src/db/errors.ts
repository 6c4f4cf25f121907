/** PostgreSQL error codes we translate into user-facing outcomes, in one place. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string } | null;
  return pgError?.code === '23505' && (constraint === undefined || pgError.constraint === constraint);
}

export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23503';
}

export function isSerializationFailure(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01';
}

/** A CHECK constraint, or a trigger raising check_violation with a constraint name. */
export function isCheckViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string } | null;
  return pgError?.code === '23514' && (constraint === undefined || pgError.constraint === constraint);
}

/** SQLSTATEs that mean "the database cannot serve right now", not "this request was wrong". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Knex: Timeout acquiring a connection',
  'the database system is starting up',
  'the database system is shutting down',
];

/**
 * PostgreSQL is down, restarting, unreachable or too slow (connect, pool or statement
 * timeout): the request may succeed if the person tries again shortly (503), and nothing
 * of it was committed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_NODE_CODES.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((fragment) => message.includes(fragment))) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}

/**
 * A constraint the database enforces (unique, foreign key, check, exclusion, or a trigger
 * raising one) refused a change the services did not expect to be refused, typically a
 * race between two people. Its name picks the message; the change was not made.
 */
export function violatedConstraint(error: unknown): { kind: 'unique' | 'foreignKey' | 'check' | 'exclusion'; constraint: string | undefined } | undefined {
  const pgError = error as { code?: string; constraint?: string } | null;
  const kinds: Record<string, 'unique' | 'foreignKey' | 'check' | 'exclusion'> = { '23505': 'unique', '23503': 'foreignKey', '23514': 'check', '23P01': 'exclusion' };
  const kind = pgError?.code ? kinds[pgError.code] : undefined;
  return kind ? { kind, constraint: pgError?.constraint } : undefined;
}
