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

/**
 * An error as logged: its type, message and stack, never its other fields. A failed query's error carries the SQL
 * and its parameters (an email), a driver error the row that conflicted; messages are redacted like span text.
 */
export function logError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redactText(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.constructor.name,
    message: redactText(error.message),
    ...(typeof code === 'string' ? { code } : {}),
    stack: error.stack && redactText(error.stack),
  };
}
