import type { Params } from 'nestjs-pino';
import { redactText } from './tracing';

/** Paths pino blanks out wherever they appear: secrets and personal data never reach the log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-zendesk-webhook-signature"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.email',
  '*.requesterEmail',
  '*.requester_email',
  '*.token',
  '*.password',
];

/** nestjs-pino options shared by the services: JSON lines, redaction, no request bodies. */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Keep request logs to what operators need; bodies and most headers carry personal data.
      serializers: {
        req: (req: { method: string; url: string; id: unknown }) => ({
          id: req.id,
          method: req.method,
          url: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: logError,
      },
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
    },
  };
}

/** Fields of driver errors that name what failed without carrying data (pg, kafkajs, Node). */
const SAFE_ERROR_FIELDS = [
  'code',
  'errno',
  'syscall',
  'constraint',
  'table',
  'column',
  'schema',
  'retriable',
];

/**
 * An error as logged: its type, message, stack, safe driver fields and its causes, never its other fields. A failed
 * query's error carries the SQL and its parameters (an email), a driver error the row that conflicted; messages
 * are redacted like span text.
 */
export function logError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redactText(String(error)) };
  const fields = error as unknown as Record<string, unknown>;
  const logged: Record<string, unknown> = {
    type: error.constructor.name,
    message: redactText(error.message),
  };
  for (const field of SAFE_ERROR_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      logged[field] = typeof value === 'string' ? redactText(value) : value;
  }
  if (error.stack) logged['stack'] = redactText(error.stack);
  // undici's "fetch failed" says why only in its cause (ECONNREFUSED); an AggregateError in its errors.
  if (depth < 3 && error.cause !== undefined) logged['cause'] = logError(error.cause, depth + 1);
  if (depth < 3 && error instanceof AggregateError)
    logged['errors'] = error.errors.slice(0, 5).map((e: unknown) => logError(e, depth + 1));
  return logged;
}
