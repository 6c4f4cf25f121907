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
    '*.token',
    '*._csrf',
  ],
  censor: '[redacted]',
};

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, redact });
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
    // Reset and invitation links carry their token in the path: log the route, not the secret.
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.replace(/\/password\/reset\/[^/?]+/, '/password/reset/[redacted]').replace(/\/invitation\/[^/?]+/, '/invitation/[redacted]').replace(/\/calendar\/[^/?]+/, '/calendar/[redacted]').replace(/_csrf=[^&]+/, '_csrf=[redacted]'),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || (req.url ?? '').startsWith('/static/') },
  });
}
