import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Topics } from '@ticketflow/contracts';
import {
  EventProducer,
  createKafka,
  ensureTopics,
  recentHeaderValues,
  runBatchConsumer,
  withDeadLetter,
  type RunningBatchConsumer,
} from '@ticketflow/kafka';
import {
  ConsumerOffsetEntity,
  OUTBOX_ID_HEADER,
  OutboxRelay,
  openDatabase,
  persistenceMigrations,
} from '@ticketflow/persistence';
import type { ServiceRuntime } from '@ticketflow/service';
import { AlertHistory } from './alert-history';
import type { AlertingConfig } from './alerting.config';
import { alertingMetrics } from './alerting.metrics';
import { alertingMigrations } from './migrations';
import { Notifier, SmtpChannel, WebhookChannel, type NotificationChannel } from './notifier';
import { AlertingProcessor } from './processor';

/** Consumer, outbox relay and notifier of the alerting service. */
export class AlertingRuntime implements ServiceRuntime {
  private readonly logger = new Logger('AlertingRuntime');
  db!: DataSource;
  history!: AlertHistory;
  private stops: (() => Promise<void>)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private notifying: Promise<unknown> | null = null;
  private consumer: RunningBatchConsumer | null = null;
  private relay: OutboxRelay | null = null;

  constructor(
    readonly config: AlertingConfig,
    private readonly registry: Registry,
  ) {}

  async start() {
    const c = this.config;
    this.db = await openDatabase({
      url: c.DATABASE_URL,
      schema: c.DATABASE_SCHEMA,
      entities: [ConsumerOffsetEntity],
      migrations: [...persistenceMigrations, ...alertingMigrations],
    });
    this.history = new AlertHistory(this.db);
    const metrics = alertingMetrics(this.registry, this.logger, {
      usersAboveThreshold: () => this.history.usersAboveThreshold(),
      oldestPendingOutboxSeconds: async () => this.relay?.oldestPendingSeconds(),
    });
    const kafka = createKafka({ brokers: c.KAFKA_BROKERS, clientId: 'alerting' });
    const admin = kafka.admin();
    await admin.connect();
    const source = { ...Topics.userOpenTickets, name: c.USER_OPEN_TICKETS_TOPIC };
    const counts = { ...Topics.userOpenTicketCount, name: c.USER_OPEN_TICKET_COUNT_TOPIC };
    const alertTopic = { ...Topics.userAlerts, name: c.USER_ALERTS_TOPIC };
    await ensureTopics(admin, [...withDeadLetter(source), counts, alertTopic], c.KAFKA_REPLICATION_FACTOR);
    await admin.disconnect();
    const producer = new EventProducer(kafka);
    await producer.connect();
    const processor = new AlertingProcessor(this.db, c.CONSUMER_GROUP, c.ALERT_THRESHOLD, {
      counts: counts.name,
      alerts: alertTopic.name,
    });
    const consumer = await runBatchConsumer({
      kafka,
      groupId: c.CONSUMER_GROUP,
      topic: source,
      deadLetters: producer,
      ...metrics.consumerHooks,
      handleBatch: async (batch) => {
        for (const alert of await processor.applyBatch(batch)) metrics.alerts.inc({ kind: alert.type });
        // The batch's outbox rows are committed: relay them now.
        this.relay?.wake();
      },
    });
    this.consumer = consumer;
    const started = new OutboxRelay(this.db, producer, [counts, alertTopic], {
      // Alerts reach Kafka once even when a relay dies between Kafka's acknowledgement and its commit.
      published: (topic, perPartition) => recentHeaderValues(kafka, topic, OUTBOX_ID_HEADER, perPartition),
      ...metrics.relayHooks,
    });
    started.start();
    this.relay = started;
    const channels: NotificationChannel[] = [];
    if (c.ALERT_WEBHOOK_URL && c.ALERT_WEBHOOK_SECRET)
      channels.push(new WebhookChannel(c.ALERT_WEBHOOK_URL, c.ALERT_WEBHOOK_SECRET));
    if (c.SMTP_URL && c.ALERT_EMAIL_FROM && c.ALERT_EMAIL_TO)
      channels.push(new SmtpChannel(c.SMTP_URL, c.ALERT_EMAIL_FROM, c.ALERT_EMAIL_TO));
    const notifier = new Notifier(this.db, channels, c.NOTIFY_MAX_ATTEMPTS, (outcome) => {
      if (outcome !== 'sent') metrics.notificationFailures.inc({ final: String(outcome === 'failed') });
    });
    const tick = async () => {
      if (this.stopped) return;
      this.notifying = notifier
        .deliverPending()
        .catch((error: Error) =>
          this.logger.warn({ msg: 'notification round failed', error: error.message }),
        );
      await this.notifying;
      if (!this.stopped) this.timer = setTimeout(tick, 1_000);
    };
    this.timer = setTimeout(tick, 1_000);
    this.stops.push(
      consumer.stop,
      () => started.stop(),
      () => producer.disconnect(),
    );
  }

  consuming(): boolean {
    return this.consumer?.isRunning() ?? false;
  }

  /** The consumer is in its group and Postgres answers. */
  async ready() {
    if (!this.consuming()) throw new Error('the Kafka consumer is not running');
    await this.db.query('SELECT 1');
    return {};
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.notifying;
    for (const stop of this.stops) await stop().catch(() => undefined);
    await this.db?.destroy();
  }
}
