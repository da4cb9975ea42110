import type { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { MetricsBuilder } from '@ticketflow/observability';
import { relayHooks } from '@ticketflow/service';

/** Where the sampled gauges read from at scrape time. */
export interface StatsSources {
  /** Unix seconds of the last revision (0: never). */
  lastRevisedAt: () => Promise<number | undefined>;
  /** Closed windows not stored yet, oldest first (window starts, unix seconds). */
  pendingWindows: () => number[];
  /** Seconds since the oldest pending window ended; 0 when none is pending. */
  pendingWindowAge: () => number;
  /** Unix second up to which each export stream is proven (undefined: not yet). */
  coverage: () => Record<'audits' | 'tickets', number | undefined>;
}

export function statsCollectorMetrics(registry: Registry, logger: Logger, sources: StatsSources) {
  const m = new MetricsBuilder(registry);
  m.sampled(
    'stats_last_revision_timestamp_seconds',
    'When a stored window was last revised (from stats_hourly_revision; 0: never), for alerts that survive restarts',
    sources.lastRevisedAt,
  );
  m.sampled('stats_hours_open', 'Closed windows not stored yet', () => sources.pendingWindows().length);
  m.sampled(
    'stats_pending_window_age_seconds',
    'Seconds since the oldest window not stored yet ended (0: none pending)',
    sources.pendingWindowAge,
  );
  m.sampled(
    'stats_stream_coverage_seconds',
    'Unix second up to which each export stream is proven',
    sources.coverage,
    'stream',
  );
  return {
    completed: m.counter('stats_hours_completed_total', 'Windows stored (complete)'),
    revised: m.counter(
      'stats_hours_revised_total',
      'Stored windows revised because their verification re-read found other facts (alerts)',
    ),
    verificationFailures: m.counter(
      'stats_verification_failures_total',
      'Verification re-reads or revisions that failed (their windows are tried again an hour later)',
    ),
    finalizeDelay: m.gauge(
      'stats_finalize_delay_seconds',
      'Seconds from the end of the last stored window to its storing',
    ),
    pages: m.counter('stats_pages_fetched_total', 'Export pages fetched', ['stream']),
    requests: m.counter(
      'zendesk_requests_total',
      'Zendesk API answers by endpoint and status (or timeout / network)',
      ['endpoint', 'status'],
    ),
    retries: m.counter('zendesk_retries_total', 'Zendesk requests retried, by reason', ['reason']),
    halted: m.gauge('stats_stream_broken', '1 while a broken export stream halts the batches'),
    failures: m.counter('stats_run_failures_total', 'Runs that failed and were retried'),
    writer: m.gauge('stats_writer', '1 while this instance holds the collector lock'),
    relayHooks: relayHooks(m, logger),
  };
}
export type StatsCollectorMetrics = ReturnType<typeof statsCollectorMetrics>;
