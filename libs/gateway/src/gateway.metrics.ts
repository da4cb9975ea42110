import { Counter, Histogram, type Registry } from 'prom-client';

export class GatewayMetrics {
  readonly received: Counter<'endpoint'>;
  readonly accepted: Counter<'endpoint'>;
  readonly rejected: Counter<'endpoint' | 'reason'>;
  readonly ignored: Counter<'type'>;
  readonly duplicates: Counter;
  readonly produceSeconds: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.received = new Counter({
      name: 'webhooks_received_total',
      help: 'Webhook requests received',
      labelNames: ['endpoint'],
      registers: [registry],
    });
    this.accepted = new Counter({
      name: 'webhooks_accepted_total',
      help: 'Webhooks acknowledged after Kafka acknowledged them',
      labelNames: ['endpoint'],
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'webhooks_rejected_total',
      help: 'Webhooks refused (4xx) or not acknowledged (5xx), by reason',
      labelNames: ['endpoint', 'reason'],
      registers: [registry],
    });
    this.ignored = new Counter({
      name: 'webhooks_ignored_total',
      help: 'Webhooks of event types Ticketflow does not use (answered 2xx)',
      labelNames: ['type'],
      registers: [registry],
    });
    this.duplicates = new Counter({
      name: 'webhooks_duplicate_total',
      help: 'Deliveries of an already acknowledged Zendesk event id, not produced again',
      registers: [registry],
    });
    this.produceSeconds = new Histogram({
      name: 'kafka_produce_duration_seconds',
      help: 'Time from produce to Kafka acknowledgement (acks=all)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }
}
