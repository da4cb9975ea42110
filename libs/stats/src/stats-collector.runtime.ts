import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Injectable,
  Logger,
  Module,
  Param,
  Post,
  Query,
  UseGuards,
  type DynamicModule,
  type INestApplication,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger, LoggerModule } from 'nestjs-pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Topics, type StatsBatchEvent } from '@ticketflow/contracts';
import { API_KEYS, ApiKeyGuard } from '@ticketflow/api';
import { EventProducer, createKafka, ensureTopics, recentHeaderValues } from '@ticketflow/kafka';
import { createMetricsRegistry, loggerParams, metricsController } from '@ticketflow/observability';
import { OUTBOX_ID_HEADER, OutboxRelay, openDatabase, persistenceMigrations } from '@ticketflow/persistence';
import {
  StatsCollector,
  StatsRunner,
  StatsStore,
  hourCompletion,
  isoOf,
  pendingWindows,
  statsMigrations,
  type StatsConfig,
} from '@ticketflow/stats';
import { ZendeskBudget1795650000000, ZendeskClient, openIncrementalBudget } from '@ticketflow/zendesk';
import type { StatsCollectorConfig } from './config';

/** For tests that run the collector on a simulator's clock, which they move or speed up. */
export interface RuntimeOptions {
  /** Unix milliseconds. */
  clock?: () => number;
  /** The runner's longest sleep in real milliseconds (a sped-up clock needs short ones). */
  maxSleepMs?: number;
}

/** Collector, runner and outbox relay of the stats-collector, with their metrics. */
export class StatsCollectorRuntime {
  private readonly logger = new Logger('StatsCollector');
  db!: DataSource;
  store!: StatsStore;
  collector!: StatsCollector;
  runner!: StatsRunner;
  readonly stats: StatsConfig;
  /** Resolves when a `once` run is over. */
  finished: Promise<void> = Promise.resolve();
  /** Told after every batch event (the backfill command draws its progress from it). */
  onEvent: ((event: StatsBatchEvent) => void) | null = null;
  private stops: (() => Promise<void>)[] = [];
  /** Set by stop(): a `once` run then ends without draining its outbox (the next run publishes it). */
  private stopping = false;
  readonly clock: () => number;

  constructor(
    readonly config: StatsCollectorConfig,
    private readonly registry: Registry,
    private readonly options: RuntimeOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.stats = {
      windowSeconds: config.STATS_WINDOW_SECONDS,
      settleSeconds: config.STATS_SETTLE_SECONDS,
      collectionStart: config.STATS_START_TIME,
      verifyAfterSeconds: config.STATS_VERIFY_AFTER_SECONDS,
    };
  }

  async start(): Promise<void> {
    const c = this.config;
    const registers = [this.registry];
    const completed = new Counter({
      name: 'stats_hours_completed_total',
      help: 'Windows stored (complete)',
      registers,
    });
    const revised = new Counter({
      name: 'stats_hours_revised_total',
      help: 'Stored windows revised because their verification re-read found other facts (alerts)',
      registers,
    });
    const verificationFailures = new Counter({
      name: 'stats_verification_failures_total',
      help: 'Verification re-reads or revisions that failed (their windows are tried again an hour later)',
      registers,
    });
    const runtime = () => this;
    new Gauge({
      name: 'stats_last_revision_timestamp_seconds',
      help: 'When a stored window was last revised (from stats_hourly_revision; 0: never), for alerts that survive restarts',
      registers,
      async collect(this: Gauge) {
        const rows = (await runtime()
          .db?.query(`SELECT extract(epoch FROM max(revised_at)) AS at FROM stats_hourly_revision`)
          .catch(() => null)) as { at: string | null }[] | null;
        if (rows) this.set(Number(rows[0]?.at ?? 0));
      },
    });
    const finalizeDelay = new Gauge({
      name: 'stats_finalize_delay_seconds',
      help: 'Seconds from the end of the last stored window to its storing',
      registers,
    });
    const pages = new Counter({
      name: 'stats_pages_fetched_total',
      help: 'Export pages fetched',
      labelNames: ['stream'],
      registers,
    });
    const requests = new Counter({
      name: 'zendesk_requests_total',
      help: 'Zendesk API answers by endpoint and status (or timeout / network)',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    const retries = new Counter({
      name: 'zendesk_retries_total',
      help: 'Zendesk requests retried, by reason',
      labelNames: ['reason'],
      registers,
    });
    const halted = new Gauge({
      name: 'stats_stream_broken',
      help: '1 while a broken export stream halts the batches',
      registers,
    });
    const failures = new Counter({
      name: 'stats_run_failures_total',
      help: 'Runs that failed and were retried',
      registers,
    });
    const writer = new Gauge({
      name: 'stats_writer',
      help: '1 while this instance holds the collector lock',
      registers,
    });
    new Gauge({
      name: 'stats_hours_open',
      help: 'Closed windows not stored yet',
      registers,
      collect(this: Gauge) {
        this.set(runtime().pendingWindows().length);
      },
    });
    new Gauge({
      name: 'stats_pending_window_age_seconds',
      help: 'Seconds since the oldest window not stored yet ended (0: none pending)',
      registers,
      collect(this: Gauge) {
        const [oldest] = runtime().pendingWindows();
        this.set(
          oldest === undefined ? 0 : runtime().clock() / 1000 - (oldest + runtime().stats.windowSeconds),
        );
      },
    });
    new Gauge({
      name: 'stats_stream_coverage_seconds',
      help: 'Unix second up to which each export stream is proven',
      labelNames: ['stream'],
      registers,
      collect(this: Gauge) {
        const state = runtime().collector?.current;
        if (state?.audits.coverageUntil) this.set({ stream: 'audits' }, state.audits.coverageUntil);
        if (state?.tickets.horizon) this.set({ stream: 'tickets' }, state.tickets.horizon);
      },
    });

    this.db = await openDatabase({
      url: c.DATABASE_URL,
      schema: c.DATABASE_SCHEMA,
      entities: [],
      migrations: [...persistenceMigrations, ZendeskBudget1795650000000, ...statsMigrations],
    });
    const kafka = createKafka({ brokers: c.KAFKA_BROKERS, clientId: 'stats-collector' });
    const batchTopic = { ...Topics.statsBatchEvents, name: c.STATS_BATCH_EVENTS_TOPIC };
    const hourlyTopic = { ...Topics.statsHourly, name: c.STATS_HOURLY_TOPIC };
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [batchTopic, hourlyTopic], c.KAFKA_REPLICATION_FACTOR);
    await admin.disconnect();
    const producer = new EventProducer(kafka);
    await producer.connect();
    this.stops.push(() => producer.disconnect());

    const budget = openIncrementalBudget(c.DATABASE_URL, c.ZENDESK_INCREMENTAL_PER_MINUTE);
    if (budget) this.stops.push(budget.close);
    const zendesk = new ZendeskClient({
      baseUrl: c.ZENDESK_BASE_URL,
      email: c.ZENDESK_EMAIL,
      apiToken: c.ZENDESK_API_TOKEN,
      requestsPerMinute: c.ZENDESK_REQUESTS_PER_MINUTE,
      timeoutMs: c.ZENDESK_TIMEOUT_MS,
      incrementalLimiter: budget?.limiter,
      onResponse: (endpoint, status) => requests.inc({ endpoint: endpointOf(endpoint), status }),
      onRetry: (reason) => {
        retries.inc({ reason });
        this.collector.noteRetry();
      },
    });
    this.store = new StatsStore(this.db, hourlyTopic.name);
    this.collector = new StatsCollector({
      kafka,
      producer,
      zendesk,
      store: this.store,
      topic: batchTopic,
      config: this.stats,
      clock: this.clock,
      perPage: c.STATS_PAGE_SIZE,
      hooks: {
        onEvent: (event) => {
          if (event.type === 'stats.audits.page-fetched') pages.inc({ stream: 'audits' });
          if (event.type === 'stats.tickets.page-fetched') pages.inc({ stream: 'tickets' });
          this.onEvent?.(event);
        },
        onStored: (windowStart) => {
          completed.inc();
          finalizeDelay.set(this.clock() / 1000 - (windowStart + this.stats.windowSeconds));
          this.logger.log({ msg: 'window stored', windowStart: isoOf(windowStart) });
        },
        onRevised: (windowStart) => {
          revised.inc();
          this.logger.warn({
            msg: 'stored window revised: its verification re-read found other facts',
            windowStart: isoOf(windowStart),
          });
        },
        onVerificationFailed: (windowStarts, error) => {
          verificationFailures.inc();
          this.logger.warn({
            msg: 'verification re-read or revision failed; those windows are tried again in an hour',
            windows: windowStarts.length,
            first: isoOf(windowStarts[0]!),
            error: error.message,
          });
        },
      },
    });
    const relay = new OutboxRelay(this.db, producer, [hourlyTopic], {
      published: (topic, perPartition) => recentHeaderValues(kafka, topic, OUTBOX_ID_HEADER, perPartition),
      onError: (error) =>
        this.logger.warn({ msg: 'outbox relay round failed; retrying', error: error.message }),
      onQuarantine: (row, reason) =>
        this.logger.error({ msg: 'outbox row quarantined', outboxId: row.id, topic: row.topic, reason }),
    });
    relay.start();
    this.stops.unshift(() => relay.stop());
    this.runner = new StatsRunner(this.db, this.collector, {
      mode: c.STATS_MODE,
      clock: this.clock,
      maxSleepMs: this.options.maxSleepMs,
      onError: (error) => {
        failures.inc();
        this.logger.warn({ msg: 'stats run failed; replaying the log and retrying', error: error.message });
      },
      onHalt: (reasons) => {
        halted.set(1);
        this.logger.error({
          msg: 'an export stream is broken: no window is stored until it is repaired',
          reasons,
        });
      },
      onWriter: (holds) => writer.set(holds ? 1 : 0),
    });
    this.finished = this.runner.start().then(async () => {
      if (c.STATS_MODE !== 'once' || this.stopping) return;
      // A CronJob run ends with what it stored published, not with the next run an hour later.
      await relay.stop();
      try {
        while ((await relay.flush()) > 0);
      } catch (error) {
        if (!this.stopping) throw error; // stopped (SIGTERM) while draining: the next run publishes the rest
      }
    });
    this.stops.unshift(() => this.runner.stop());
  }

  /** Windows that ended (oldest first) and are not stored yet. */
  pendingWindows(): number[] {
    const state = this.collector?.current;
    return state ? pendingWindows(state, this.clock() / 1000, this.stats) : [];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const stop of this.stops) await stop().catch(() => undefined);
    await this.db?.destroy();
  }
}

/** Label values from a closed set: the path with ids replaced. */
const endpointOf = (path: string) => path.replace(/\/\d+(?=\/|\.json|$)/g, '/:id').replace(/\.json$/, '');

const RUNTIME = Symbol('StatsCollectorRuntime');

const windowParam = (value: string | undefined, name: string): Date => {
  const at = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(at))
    throw new HttpException({ error: 'bad-request', reason: `${name} must be an ISO 8601 time` }, 400);
  return new Date(at);
};

@ApiTags('stats')
@UseGuards(ApiKeyGuard)
@Controller()
class StatsController {
  constructor(@Inject(RUNTIME) private readonly runtime: StatsCollectorRuntime) {}

  /** Stored windows starting in [from, to): complete results only, never a partial one. */
  @Get('stats/hourly')
  async range(@Query('from') from?: string, @Query('to') to?: string) {
    const end = to === undefined ? new Date() : windowParam(to, 'to');
    const start = from === undefined ? new Date(end.getTime() - 24 * 3600_000) : windowParam(from, 'from');
    if (start >= end)
      throw new HttpException({ error: 'bad-request', reason: 'from must be before to' }, 400);
    return { windows: await this.runtime.store.range(start, end) };
  }

  /** One window: 200 with its result, or 404 `pending` with why and how far both exports are proven. */
  @Get('stats/hourly/:windowStart')
  async one(@Param('windowStart') windowStart: string) {
    const at = windowParam(windowStart, 'windowStart');
    const stored = await this.runtime.store.one(at);
    if (stored) return stored;
    const seconds = at.getTime() / 1000;
    const { windowSeconds } = this.runtime.stats;
    if (seconds % windowSeconds !== 0)
      throw new HttpException(
        { error: 'bad-request', reason: `windowStart must be a multiple of ${windowSeconds} s` },
        400,
      );
    const completion = hourCompletion(
      this.runtime.collector.current,
      seconds,
      this.runtime.clock() / 1000,
      this.runtime.stats,
    );
    throw new HttpException(
      {
        status: 'pending',
        windowStart: isoOf(seconds),
        reasons: completion.complete ? [{ code: 'being-stored' }] : completion.reasons,
        coverageUntil:
          completion.complete || completion.coverageUntil === null ? null : isoOf(completion.coverageUntil),
      },
      404,
    );
  }

  /** Runs the collector now instead of at the next window. */
  @Post('admin/stats/run')
  @HttpCode(202)
  run() {
    this.runtime.runner.wake();
    return { status: 'started', writer: this.runtime.runner.writer };
  }
}

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: StatsCollectorRuntime) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Can serve reads: the database answers (whether or not this instance is the writer). */
  @Get('ready')
  async ready() {
    try {
      await this.runtime.db.query('SELECT 1');
      return { status: 'ok', writer: this.runtime.runner.writer };
    } catch (error) {
      throw new HttpException({ status: 'unavailable', reason: (error as Error).message }, 503);
    }
  }
}

/** Teardown on SIGTERM or app.close(): the run in progress ends, the lock is released, the relay drains. */
@Injectable()
class Lifecycle implements OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: StatsCollectorRuntime) {}

  onApplicationShutdown() {
    return this.runtime.stop();
  }
}

@Module({})
class StatsCollectorModule {
  static create(
    config: StatsCollectorConfig,
    runtime: StatsCollectorRuntime,
    registry: Registry,
  ): DynamicModule {
    return {
      module: StatsCollectorModule,
      imports: [LoggerModule.forRoot(loggerParams(config.LOG_LEVEL))],
      controllers: [StatsController, HealthController, metricsController(registry)],
      providers: [
        ApiKeyGuard,
        { provide: API_KEYS, useValue: config.STATS_API_KEYS },
        { provide: RUNTIME, useValue: runtime },
        Lifecycle,
      ],
    };
  }
}

export async function createStatsCollectorApp(
  config: StatsCollectorConfig,
  options: RuntimeOptions = {},
): Promise<{ app: INestApplication; runtime: StatsCollectorRuntime }> {
  const registry = createMetricsRegistry('stats-collector');
  const runtime = new StatsCollectorRuntime(config, registry, options);
  const app = await NestFactory.create(StatsCollectorModule.create(config, runtime, registry), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  await runtime.start();
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Ticketflow stats-collector')
        .setDescription('Hourly Zendesk statistics, stored only when complete (definition v1).')
        .setVersion('1')
        .build(),
    ),
    { jsonDocumentUrl: 'openapi.json' },
  );
  app.enableShutdownHooks();
  return { app, runtime };
}
