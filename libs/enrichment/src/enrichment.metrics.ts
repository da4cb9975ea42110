import type { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { MetricsBuilder } from '@ticketflow/observability';
import { consumerHooks } from '@ticketflow/service';

/** Where the sampled gauges read from at scrape time. */
export interface EnrichmentSources {
  /** Messages per topic not yet applied to the read models. */
  lag: () => Promise<Record<string, number>>;
  /** Age of the oldest change not yet in a published open set; undefined while there is none to report. */
  openSetPendingSeconds: () => Promise<number | undefined>;
}

export function enrichmentMetrics(registry: Registry, logger: Logger, sources: EnrichmentSources) {
  const m = new MetricsBuilder(registry);
  m.sampled(
    'enrichment_consumer_lag',
    'Messages in Kafka not yet applied to the read models',
    sources.lag,
    'topic',
  );
  m.sampled(
    'enrichment_open_set_pending_seconds',
    'Age of the oldest change not yet reflected in a published open set',
    sources.openSetPendingSeconds,
  );
  return {
    projected: m.counter('enrichment_events_projected_total', 'Events applied to the read models', ['topic']),
    latency: m.histogram(
      'enrichment_projection_latency_seconds',
      'From the change in Zendesk (event time) to its commit in the read models',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    ),
    reconciled: m.counter(
      'enrichment_reconciled_tickets_total',
      'Tickets re-read from Zendesk by reconciliation',
    ),
    publishFailures: m.counter(
      'enrichment_open_set_publish_failures_total',
      'Open-set publishing rounds that failed (retried)',
    ),
    consumerHooks: consumerHooks(m, 'enrichment', logger),
  };
}
export type EnrichmentMetrics = ReturnType<typeof enrichmentMetrics>;
