import type * as AutoInstrumentations from '@opentelemetry/auto-instrumentations-node';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

let sdk: SdkNode.NodeSDK | null = null;

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
// Bounded and without overlapping classes (no `%` in the local part): linear on hostile input such as `a%40a%40…`.
const EMAIL = /[a-z0-9._+-]{1,64}(?:@|%40)[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}/gi;
/** Longer attribute values are cut before redaction and export (a URL or SQL text is shorter). */
export const ATTRIBUTE_VALUE_LIMIT = 2_048;

/** A span attribute's text without query values of REDACTED_QUERY_PARAMS or anything shaped like an email. */
export const redactText = (text: string) =>
  text.slice(0, ATTRIBUTE_VALUE_LIMIT).replace(REDACTED_PARAM, '$1REDACTED').replace(EMAIL, 'REDACTED');

function redactAttributes(attributes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'string') attributes[key] = redactText(value);
    else if (Array.isArray(value))
      attributes[key] = value.map((item: unknown) => (typeof item === 'string' ? redactText(item) : item));
  }
}

/**
 * Redacts every string attribute, event attribute and status message before export, whichever instrumentation set it (Nest's handler spans copy the
 * full URL): no email, search term or key leaves the process in a span.
 */
class RedactingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const span of spans) {
      redactAttributes(span.attributes as Record<string, unknown>);
      // Exception events and status messages carry error text (a Postgres error quotes the value it refused).
      for (const event of span.events)
        if (event.attributes) redactAttributes(event.attributes as Record<string, unknown>);
      const status = span.status as { message?: string };
      if (status.message) status.message = redactText(status.message);
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

/**
 * Starts OpenTelemetry tracing (OTLP over HTTP to Jaeger or any collector) before the service's modules load, so
 * auto-instrumentation can patch http, express, pg and kafkajs. Standard env applies: OTEL_EXPORTER_OTLP_ENDPOINT
 * (e.g. http://jaeger:4318), OTEL_SDK_DISABLED=true to switch it off. W3C trace context is the propagator.
 */
export function startTracing(serviceName: string): void {
  if (sdk || process.env['OTEL_SDK_DISABLED'] === 'true') return;
  // Loaded only when tracing is on: the SDK and its instrumentations hold about 40 MB of a service's memory.
  /* eslint-disable @typescript-eslint/no-require-imports -- synchronous, before the service's own modules load */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { getNodeAutoInstrumentations } =
    require('@opentelemetry/auto-instrumentations-node') as typeof AutoInstrumentations;
  /* eslint-enable @typescript-eslint/no-require-imports */
  process.env['OTEL_SERVICE_NAME'] ??= serviceName;
  sdk = new NodeSDK({
    traceExporter: new RedactingExporter(new OTLPTraceExporter()),
    spanLimits: { attributeValueLengthLimit: ATTRIBUTE_VALUE_LIMIT },
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
          // Outgoing calls: Zendesk's API paths are kept; any other URL (an alert webhook's path is its secret)
          // is recorded as its origin only.
          startSpanHook: (request) => {
            const url = new URL(request.path, request.origin);
            const zendesk = url.pathname.startsWith('/api/v2/');
            return {
              'url.full': zendesk ? redactText(url.toString()) : url.origin,
              'url.path': zendesk ? url.pathname : '/',
              'url.query': zendesk ? redactText(url.search) : '',
            };
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
