import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | null = null;

/**
 * Starts OpenTelemetry tracing (OTLP over HTTP to Jaeger or any collector) before the service's modules load, so
 * auto-instrumentation can patch http, express, pg and kafkajs. Standard env applies: OTEL_EXPORTER_OTLP_ENDPOINT
 * (e.g. http://jaeger:4318), OTEL_SDK_DISABLED=true to switch it off. W3C trace context is the propagator.
 */
export function startTracing(serviceName: string): void {
  if (sdk || process.env['OTEL_SDK_DISABLED'] === 'true') return;
  process.env['OTEL_SERVICE_NAME'] ??= serviceName;
  sdk = new NodeSDK({
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      getNodeAutoInstrumentations({
        // Noisy and of no help to operators of this system.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
      }),
    ],
  });
  sdk.start();
}

export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = null;
}
