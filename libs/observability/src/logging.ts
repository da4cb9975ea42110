import type { Params } from 'nestjs-pino';

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
      },
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
    },
  };
}
