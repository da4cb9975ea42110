import { ROOT_CONTEXT, context, propagation, type Context } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** W3C trace context of the active span, as Kafka headers (empty when tracing is off). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The producer's trace context from a message's headers, to continue its trace. */
export function contextFromHeaders(headers: IHeaders | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) carrier[key] = first.toString();
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}
