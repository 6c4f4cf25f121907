import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import pinoHttp from 'pino-http';
import type { Config } from '../config';

export type { Logger };

/** Secrets never reach the log: passwords, tokens, cookies and session ids are redacted. */
const redact = {
  paths: [
    'req.headers.cookie',
    'req.headers.authorization',
    'req.headers["x-csrf-token"]',
    'res.headers["set-cookie"]',
    '*.password',
    '*.passwordConfirm',
    '*.currentPassword',
    '*.newPassword',
    '*.token',
    '*._csrf',
  ],
  censor: '[redacted]',
};

const REDACTED = '[redacted]';

/** Paths whose last segment is a secret: whoever reads the log must not be able to follow them. */
const SECRET_PATHS: RegExp[] = [
  /^(\/register\/verify\/)[^/?#]+/,
  /^(\/password\/reset\/)[^/?#]+/,
  /^(\/invitation\/)[^/?#]+/,
  /^(\/calendar\/)[^/?#]+?(?=\.ics|[/?#]|$)/,
  /^(\/verify\/)[^/?#]+/,
];
const SECRET_QUERY_PARAMS = new Set(['code', 'token', '_csrf']);

/** A URL as it may be logged: secret path segments and query values replaced. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  let pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  for (const pattern of SECRET_PATHS) pathname = pathname.replace(pattern, `$1${REDACTED}`);
  if (queryStart === -1) return pathname;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const name = decodeSafely(pair.split('=')[0] ?? '');
      return SECRET_QUERY_PARAMS.has(name) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${pathname}?${query}`;
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * JSON lines in production (for the log collector); in development one readable line
 * per event, if pino-pretty (a development dependency) is installed.
 */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'env'>>): Logger {
  if (config.env === 'development' && prettyAvailable()) {
    return pino({
      level: config.logLevel,
      redact,
      transport: {
        target: 'pino-pretty',
        options: { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,req,res,responseTime', colorize: process.stdout.isTTY },
      },
    });
  }
  return pino({ level: config.logLevel, redact });
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // One line per request that says what happened, also when the fields are hidden (development).
    customSuccessMessage: (req, res, responseTime) => `${req.method} ${redactUrl(req.url ?? '')} ${res.statusCode} ${Math.round(responseTime)} ms`,
    customErrorMessage: (req, res) => `${req.method} ${redactUrl(req.url ?? '')} ${res.statusCode} failed`,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || (req.url ?? '').startsWith('/static/') },
  });
}
