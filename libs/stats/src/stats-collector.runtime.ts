import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
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
import { statsCollectorMetrics } from './stats-collector.metrics';
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
    const metrics = statsCollectorMetrics(this.registry, this.logger, {
      lastRevisedAt: async () => this.store?.lastRevisedAt(),
      pendingWindows: () => this.pendingWindows(),
      pendingWindowAge: () => {
        const [oldest] = this.pendingWindows();
        return oldest === undefined ? 0 : this.clock() / 1000 - (oldest + this.stats.windowSeconds);
      },
      coverage: () => {
        const state = this.collector?.current;
        // Zero means not proven yet: such a stream is not reported.
        return {
          audits: state?.audits.coverageUntil || undefined,
          tickets: state?.tickets.horizon || undefined,
        };
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
      onResponse: (endpoint, status) => metrics.requests.inc({ endpoint: endpointOf(endpoint), status }),
      onRetry: (reason) => {
        metrics.retries.inc({ reason });
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
          if (event.type === 'stats.audits.page-fetched') metrics.pages.inc({ stream: 'audits' });
          if (event.type === 'stats.tickets.page-fetched') metrics.pages.inc({ stream: 'tickets' });
          this.onEvent?.(event);
        },
        onStored: (windowStart) => {
          metrics.completed.inc();
          metrics.finalizeDelay.set(this.clock() / 1000 - (windowStart + this.stats.windowSeconds));
          this.logger.log({ msg: 'window stored', windowStart: isoOf(windowStart) });
        },
        onRevised: (windowStart) => {
          metrics.revised.inc();
          this.logger.warn({
            msg: 'stored window revised: its verification re-read found other facts',
            windowStart: isoOf(windowStart),
          });
        },
        onVerificationFailed: (windowStarts, error) => {
          metrics.verificationFailures.inc();
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
      ...metrics.relayHooks,
    });
    relay.start();
    this.stops.unshift(() => relay.stop());
    this.runner = new StatsRunner(this.db, this.collector, {
      mode: c.STATS_MODE,
      clock: this.clock,
      maxSleepMs: this.options.maxSleepMs,
      onError: (error) => {
        metrics.failures.inc();
        this.logger.warn({ msg: 'stats run failed; replaying the log and retrying', error: error.message });
      },
      onHalt: (reasons) => {
        metrics.halted.set(1);
        this.logger.error({
          msg: 'an export stream is broken: no window is stored until it is repaired',
          reasons,
        });
      },
      onWriter: (holds) => metrics.writer.set(holds ? 1 : 0),
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
