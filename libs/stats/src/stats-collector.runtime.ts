import { Logger } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Topics, type StatsBatchEvent } from '@ticketflow/contracts';
import { EventProducer, createKafka, ensureTopics, recentHeaderValues } from '@ticketflow/kafka';
import { OUTBOX_ID_HEADER, OutboxRelay, openDatabase, persistenceMigrations } from '@ticketflow/persistence';
import type { ServiceRuntime } from '@ticketflow/service';
import { ZendeskBudget1795650000000, openZendeskClient } from '@ticketflow/zendesk';
import { StatsCollector } from './collector';
import type { StatsConfig } from './config';
import { pendingWindows } from './completion';
import { statsMigrations } from './migrations';
import { StatsRunner } from './runner';
import type { StatsCollectorConfig } from './stats-collector.config';
import { StatsStore } from './store';
import { isoOf } from './time';

/** For tests that run the collector on a simulator's clock, which they move or speed up. */
export interface RuntimeOptions {
  /** Unix milliseconds. */
  clock?: () => number;
  /** The runner's longest sleep in real milliseconds (a sped-up clock needs short ones). */
  maxSleepMs?: number;
}

/** Collector, runner and outbox relay of the stats-collector, with their metrics. */
export class StatsCollectorRuntime implements ServiceRuntime {
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
        const at = await runtime()
          .store?.lastRevisedAt()
          .catch(() => null);
        if (at !== null && at !== undefined) this.set(at);
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

    const { client: zendesk, close } = openZendeskClient(c, {
      timeoutMs: c.ZENDESK_TIMEOUT_MS,
      onResponse: (endpoint, status) => requests.inc({ endpoint: endpointOf(endpoint), status }),
      onRetry: (reason) => {
        retries.inc({ reason });
        this.collector.noteRetry();
      },
    });
    this.stops.push(close);
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

  /** Can serve reads: the database answers (whether or not this instance is the writer). */
  async ready() {
    await this.db.query('SELECT 1');
    return { writer: this.runner.writer };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const stop of this.stops) await stop().catch(() => undefined);
    await this.db?.destroy();
  }
}

/** Label values from a closed set: the path with ids replaced. */
const endpointOf = (path: string) => path.replace(/\/\d+(?=\/|\.json|$)/g, '/:id').replace(/\.json$/, '');
