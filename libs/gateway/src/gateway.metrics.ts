import type { Registry } from 'prom-client';
import { MetricsBuilder } from '@ticketflow/observability';

export function gatewayMetrics(registry: Registry) {
  const m = new MetricsBuilder(registry);
  const metrics = {
    received: m.counter('webhooks_received_total', 'Webhook requests received', ['endpoint']),
    accepted: m.counter('webhooks_accepted_total', 'Webhooks acknowledged after Kafka acknowledged them', [
      'endpoint',
    ]),
    rejected: m.counter(
      'webhooks_rejected_total',
      'Webhooks refused (4xx) or not acknowledged (5xx), by reason',
      ['endpoint', 'reason'],
    ),
    ignored: m.counter(
      'webhooks_ignored_total',
      'Webhooks of event types Ticketflow does not use (answered 2xx), by domain (zen:event-type:user.*, ...) or other',
      ['type'],
    ),
    duplicates: m.counter(
      'webhooks_duplicate_total',
      'Deliveries of an already acknowledged Zendesk event id, not produced again',
    ),
    produceSeconds: m.histogram(
      'kafka_produce_duration_seconds',
      'Time from produce to Kafka acknowledgement (acks=all)',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ['outcome'],
    ),
  };
  // The series the 5xx alert divides exist from the start at 0, so the first 503 shows as an increase.
  for (const endpoint of ['events', 'trigger']) {
    metrics.received.inc({ endpoint }, 0);
    metrics.rejected.inc({ endpoint, reason: 'kafka-unavailable' }, 0);
  }
  return metrics;
}
export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
