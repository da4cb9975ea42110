import type { Admin } from 'kafkajs';
import type { Registry } from 'prom-client';
import { Topics } from '@ticketflow/contracts';
import { EventProducer, createKafka, ensureTopics, withDeadLetter } from '@ticketflow/kafka';
import type { ServiceRuntime } from '@ticketflow/service';
import type { GatewayConfig } from './gateway.config';
import { gatewayMetrics, type GatewayMetrics } from './gateway.metrics';
import { KafkaProbe } from './kafka-probe';

/** The gateway's Kafka side: topics ensured and the producer connected before it listens. */
export class GatewayRuntime implements ServiceRuntime {
  readonly metrics: GatewayMetrics;
  producer!: EventProducer;
  admin!: Admin;
  private probe: KafkaProbe | null = null;

  constructor(
    readonly config: GatewayConfig,
    registry: Registry,
  ) {
    this.metrics = gatewayMetrics(registry);
  }

  async start(): Promise<void> {
    const { config } = this;
    // Short timeouts: a webhook must be answered (2xx or 503) well within Zendesk's 12 s.
    const kafka = createKafka(
      { brokers: config.KAFKA_BROKERS, clientId: 'webhook-gateway' },
      { requestTimeout: 5_000, connectionTimeout: 2_000 },
    );
    this.admin = kafka.admin();
    await this.admin.connect();
    await ensureTopics(
      this.admin,
      withDeadLetter({ ...Topics.ticketEvents, name: config.TICKET_EVENTS_TOPIC }),
      config.KAFKA_REPLICATION_FACTOR,
    );
    this.producer = new EventProducer(kafka, {
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    await this.producer.connect();
    this.probe = new KafkaProbe(this.admin);
  }

  /** Always ready while the process runs (see KafkaProbe); Kafka's state is information. */
  async ready() {
    return { kafka: this.probe?.state() ?? 'unknown' };
  }

  /** After the HTTP server closed, so no webhook is mid-produce when the producer goes. */
  async stop(): Promise<void> {
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }
}
