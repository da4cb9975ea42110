import type { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { MetricsBuilder } from '@ticketflow/observability';
import { consumerHooks, relayHooks } from '@ticketflow/service';

/** Where the sampled gauges read from at scrape time. */
export interface AlertingSources {
  usersAboveThreshold: () => Promise<number | undefined>;
  oldestPendingOutboxSeconds: () => Promise<number | undefined>;
}

export function alertingMetrics(registry: Registry, logger: Logger, sources: AlertingSources) {
  const m = new MetricsBuilder(registry);
  m.sampled(
    'users_above_threshold',
    'Users whose open-ticket count is above the threshold',
    sources.usersAboveThreshold,
  );
  m.sampled(
    'outbox_oldest_pending_seconds',
    'Age of the oldest outbox row not yet published',
    sources.oldestPendingOutboxSeconds,
  );
  return {
    alerts: m.counter('alerts_emitted_total', 'Threshold alerts emitted', ['kind']),
    notificationFailures: m.counter(
      'alert_notification_failures_total',
      'Notification attempts that failed',
      ['final'],
    ),
    consumerHooks: consumerHooks(m, 'alerting', logger),
    relayHooks: relayHooks(m, logger),
  };
}
export type AlertingMetrics = ReturnType<typeof alertingMetrics>;
