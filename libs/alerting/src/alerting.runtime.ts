import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Query,
  UseGuards,
  type DynamicModule,
  type INestApplication,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger, LoggerModule } from 'nestjs-pino';
import { Logger } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Topics } from '@ticketflow/contracts';
import { API_KEYS, ApiKeyGuard } from '@ticketflow/api';
import {
  AlertingProcessor,
  Notifier,
  SmtpChannel,
  WebhookChannel,
  alertingMigrations,
  type NotificationChannel,
} from '@ticketflow/alerting';
import {
  EventProducer,
  createKafka,
  ensureTopics,
  recentHeaderValues,
  runBatchConsumer,
  withDeadLetter,
  type RunningBatchConsumer,
} from '@ticketflow/kafka';
import { createMetricsRegistry, loggerParams, metricsController } from '@ticketflow/observability';
import {
  ConsumerOffsetEntity,
  OUTBOX_ID_HEADER,
  OutboxRelay,
  openDatabase,
  persistenceMigrations,
} from '@ticketflow/persistence';
import type { AlertingConfig } from './config';

/** Consumer, outbox relay and notifier of the alerting service. */
export class AlertingRuntime {
  private readonly logger = new Logger('AlertingRuntime');
  db!: DataSource;
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
    const alerts = new Counter({
      name: 'alerts_emitted_total',
      help: 'Threshold alerts emitted',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    const failures = new Counter({
      name: 'alert_notification_failures_total',
      help: 'Notification attempts that failed',
      labelNames: ['final'],
      registers: [this.registry],
    });
    const deadLetters = new Counter({
      name: 'alerting_dead_letters_total',
      help: 'Messages sent to a dead-letter topic',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    const transientFailures = new Counter({
      name: 'alerting_transient_failures_total',
      help: 'Batches that met a database or broker outage and were retried (never dead-lettered)',
      registers: [this.registry],
    });
    const restarts = new Counter({
      name: 'alerting_consumer_restarts_total',
      help: 'Kafka consumers that stopped on an error and were started again',
      registers: [this.registry],
    });
    const quarantined = new Counter({
      name: 'outbox_quarantined_total',
      help: 'Outbox rows that can never be sent (set aside with their reason)',
      registers: [this.registry],
    });
    const relayFailures = new Counter({
      name: 'outbox_relay_failures_total',
      help: 'Outbox relay rounds that failed (retried)',
      registers: [this.registry],
    });
    // A gauge whose source fails keeps its last value: one failing query must not fail all of /metrics.
    new Gauge({
      name: 'users_above_threshold',
      help: 'Users whose open-ticket count is above the threshold',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        const rows = await db()
          .query(`SELECT count(*)::int AS n FROM alert_user_state WHERE above`)
          .catch(() => null);
        if (rows) this.set(rows[0].n);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox row not yet published',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        const age = await relay()?.oldestPendingSeconds().catch(() => null);
        if (age !== null && age !== undefined) this.set(age);
      },
    });
    const relay = () => this.relay;
    const db = () => this.db;
    this.db = await openDatabase({
      url: c.DATABASE_URL,
      schema: c.DATABASE_SCHEMA,
      entities: [ConsumerOffsetEntity],
      migrations: [...persistenceMigrations, ...alertingMigrations],
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
      onDeadLetter: (reason) => deadLetters.inc({ reason }),
      onBatchFailed: (error) =>
        this.logger.warn({
          msg: 'batch failed every retry; applying it message by message',
          error: error.message,
        }),
      onTransientFailure: (error) => {
        transientFailures.inc();
        this.logger.warn({ msg: 'database or broker unavailable; retrying the batch', error: error.message });
      },
      onRestart: (error) => {
        restarts.inc();
        this.logger.error({ msg: 'consumer stopped; starting it again', error: error.message });
      },
      handleBatch: async (batch) => {
        for (const alert of await processor.applyBatch(batch)) alerts.inc({ kind: alert.type });
      },
    });
    this.consumer = consumer;
    const started = new OutboxRelay(this.db, producer, [counts, alertTopic], {
      // Alerts reach Kafka once even when a relay dies between Kafka's acknowledgement and its commit.
      published: (topic, perPartition) => recentHeaderValues(kafka, topic, OUTBOX_ID_HEADER, perPartition),
      onError: (error) => {
        relayFailures.inc();
        this.logger.warn({ msg: 'outbox relay round failed; retrying', error: error.message });
      },
      onQuarantine: (row, reason) => {
        quarantined.inc();
        this.logger.error({ msg: 'outbox row quarantined', outboxId: row.id, topic: row.topic, reason });
      },
    });
    started.start();
    this.relay = started;
    const channels: NotificationChannel[] = [];
    if (c.ALERT_WEBHOOK_URL && c.ALERT_WEBHOOK_SECRET)
      channels.push(new WebhookChannel(c.ALERT_WEBHOOK_URL, c.ALERT_WEBHOOK_SECRET));
    if (c.SMTP_URL && c.ALERT_EMAIL_FROM && c.ALERT_EMAIL_TO)
      channels.push(new SmtpChannel(c.SMTP_URL, c.ALERT_EMAIL_FROM, c.ALERT_EMAIL_TO));
    const notifier = new Notifier(this.db, channels, c.NOTIFY_MAX_ATTEMPTS, (outcome) => {
      if (outcome !== 'sent') failures.inc({ final: String(outcome === 'failed') });
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

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.notifying;
    for (const stop of this.stops) await stop().catch(() => undefined);
    await this.db?.destroy();
  }
}

const RUNTIME = Symbol('AlertingRuntime');

@ApiTags('alerts')
@UseGuards(ApiKeyGuard)
@Controller('alerts')
class AlertsController {
  constructor(@Inject(RUNTIME) private readonly runtime: AlertingRuntime) {}

  /** Alert history, newest first: who, when, count, open tickets, notification outcome. */
  @Get()
  async list(@Query('userId') userId?: string, @Query('limit') limit = '100') {
    const size = Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 1_000)
      throw new HttpException({ error: 'bad-request', reason: 'limit must be 1-1000' }, 400);
    const rows: Record<string, unknown>[] = await this.runtime.db.query(
      `SELECT alert_id, user_id, kind, open_count, open_ticket_ids, threshold, occurred_at, notification_status,
              notification_attempts, notification_error, notified_at
         FROM alert_history WHERE ($1::text IS NULL OR user_id = $1) ORDER BY occurred_at DESC, alert_id LIMIT $2`,
      [userId ?? null, size],
    );
    return {
      alerts: rows.map((r) => ({
        alertId: r['alert_id'],
        userId: r['user_id'],
        kind: r['kind'],
        openCount: r['open_count'],
        openTicketIds: r['open_ticket_ids'],
        threshold: r['threshold'],
        occurredAt: (r['occurred_at'] as Date).toISOString(),
        notification: {
          status: r['notification_status'],
          attempts: r['notification_attempts'],
          error: r['notification_error'],
          at: r['notified_at'],
        },
      })),
    };
  }
}

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: AlertingRuntime) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    if (!this.runtime.consuming())
      throw new HttpException({ status: 'unavailable', reason: 'the Kafka consumer is not running' }, 503);
    try {
      await this.runtime.db.query('SELECT 1');
      return { status: 'ok' };
    } catch (error) {
      throw new HttpException({ status: 'unavailable', reason: (error as Error).message }, 503);
    }
  }
}

/** Teardown on SIGTERM or app.close(): the consumer leaves its group, relay and notifier drain. */
@Injectable()
class Lifecycle implements OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: AlertingRuntime) {}

  onApplicationShutdown() {
    return this.runtime.stop();
  }
}

@Module({})
class AlertingModule {
  static create(config: AlertingConfig, runtime: AlertingRuntime, registry: Registry): DynamicModule {
    return {
      module: AlertingModule,
      imports: [LoggerModule.forRoot(loggerParams(config.LOG_LEVEL))],
      controllers: [AlertsController, HealthController, metricsController(registry)],
      providers: [
        ApiKeyGuard,
        { provide: API_KEYS, useValue: config.ALERTING_API_KEYS },
        { provide: RUNTIME, useValue: runtime },
        Lifecycle,
      ],
    };
  }
}

export async function createAlertingApp(
  config: AlertingConfig,
): Promise<{ app: INestApplication; runtime: AlertingRuntime }> {
  const registry = createMetricsRegistry('alerting');
  const runtime = new AlertingRuntime(config, registry);
  await runtime.start();
  const app = await NestFactory.create(AlertingModule.create(config, runtime, registry), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Ticketflow alerting').setVersion('1').build(),
    ),
    {
      jsonDocumentUrl: 'openapi.json',
    },
  );
  app.enableShutdownHooks();
  return { app, runtime };
}
