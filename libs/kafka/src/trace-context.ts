import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';
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
    // A header may carry no value (null): such a message still has a trace, or none, never an error.
    if (first !== undefined && first !== null) carrier[key] = first.toString();
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** A stored `traceparent` as a context to continue (the active one when none was stored). */
export function traceContextOf(traceparent: string | null): Context {
  return traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
}

const tracer = trace.getTracer('@ticketflow/kafka');

/**
 * Sends messages each under a PRODUCER span of its own (OTel messaging conventions), child of its `parents` entry,
 * whose context the message carries in its headers (`send` gets one header set per message). Every span ends once
 * Kafka acknowledged the send or refused it; a refusal is rethrown as it came.
 */
export async function sendTraced(
  topic: string,
  parents: Context[],
  send: (traceHeaders: Record<string, string>[]) => Promise<void>,
): Promise<void> {
  const spans = parents.map((parent) =>
    tracer.startSpan(
      `${topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': topic,
        },
      },
      parent,
    ),
  );
  try {
    await send(spans.map((span, i) => traceHeaders(trace.setSpan(parents[i]!, span))));
  } catch (error) {
    for (const span of spans)
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
