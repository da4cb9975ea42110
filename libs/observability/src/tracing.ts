import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

let sdk: NodeSDK | null = null;

/** Query parameters whose values spans never record (personal data, credentials, search terms). */
export const REDACTED_QUERY_PARAMS = [
  'email',
  'query',
  'external_id',
  'api_key',
  'token',
  'access_token',
  'key',
];

const REDACTED_PARAM = new RegExp(`([?&](?:${REDACTED_QUERY_PARAMS.join('|')})=)[^&#\\s]*`, 'gi');
const EMAIL = /[^\s@/?&=:;,"'<>]+(?:@|%40)[^\s@/?&=:;,"'<>]+\.[a-z]{2,}/gi;

/** A span attribute's text without query values of REDACTED_QUERY_PARAMS or anything shaped like an email. */
export const redactText = (text: string) =>
  text.replace(REDACTED_PARAM, '$1REDACTED').replace(EMAIL, 'REDACTED');

/**
 * Redacts every string attribute before export, whichever instrumentation set it (Nest's handler spans copy the
 * full URL): no email, search term or key leaves the process in a span.
 */
class RedactingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const span of spans) {
      const attributes = span.attributes as Record<string, unknown>;
      for (const [key, value] of Object.entries(attributes))
        if (typeof value === 'string') attributes[key] = redactText(value);
    }
    this.inner.export(spans, done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The URL with the values of REDACTED_QUERY_PARAMS replaced. */
export function redactedUrl(url: URL): URL {
  const copy = new URL(url);
  for (const name of REDACTED_QUERY_PARAMS)
    if (copy.searchParams.has(name)) copy.searchParams.set(name, 'REDACTED');
  return copy;
}

/**
 * Starts OpenTelemetry tracing (OTLP over HTTP to Jaeger or any collector) before the service's modules load, so
 * auto-instrumentation can patch http, express, pg and kafkajs. Standard env applies: OTEL_EXPORTER_OTLP_ENDPOINT
 * (e.g. http://jaeger:4318), OTEL_SDK_DISABLED=true to switch it off. W3C trace context is the propagator.
 */
export function startTracing(serviceName: string): void {
  if (sdk || process.env['OTEL_SDK_DISABLED'] === 'true') return;
  process.env['OTEL_SERVICE_NAME'] ??= serviceName;
  sdk = new NodeSDK({
    traceExporter: new RedactingExporter(new OTLPTraceExporter()),
    instrumentations: [
      getNodeAutoInstrumentations({
        // Noisy and of no help to operators of this system.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // libs/kafka traces Kafka itself: a publish span per message, carried in its headers, and a process span
        // per batch; the generic one would give every message of a send the same parent.
        '@opentelemetry/instrumentation-kafkajs': { enabled: false },
        // Query strings carry emails (GET /users?email=) and Zendesk searches: never in a span.
        '@opentelemetry/instrumentation-http': {
          redactedQueryParams: REDACTED_QUERY_PARAMS,
          redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
        },
        '@opentelemetry/instrumentation-undici': {
          startSpanHook: (request) => {
            const url = redactedUrl(new URL(request.path, request.origin));
            return { 'url.full': url.toString(), 'url.query': url.search };
          },
        },
      }),
    ],
  });
  sdk.start();
}

export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = null;
}
