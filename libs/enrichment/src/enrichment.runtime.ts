import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { Admin } from 'kafkajs';
import type { z } from 'zod';
import { Topics, type TopicDefinition } from '@ticketflow/contracts';
import {
  EventProducer,
  createKafka,
  ensureTopics,
  runBatchConsumer,
  withDeadLetter,
  type PartitionBatch,
  type RunningBatchConsumer,
} from '@ticketflow/kafka';
import { ConsumerOffsetEntity, openDatabase, persistenceMigrations } from '@ticketflow/persistence';
import type { ServiceRuntime } from '@ticketflow/service';
import { ZendeskBudget1795650000000, openZendeskClient, type ZendeskClient } from '@ticketflow/zendesk';
import { TicketChangeFeed } from './change-feed';
import type { EnrichmentConfig } from './enrichment.config';
import { enrichmentMetrics, type EnrichmentMetrics } from './enrichment.metrics';
import { GroupNames } from './groups';
import { StreamTokens } from './stream-tokens';
import { enrichmentMigrations } from './migrations';
import { OpenSetPublisher } from './open-set-publisher';
import { EnrichmentProjector } from './projector';
import { EnrichmentQueries } from './queries';
import { Reconciler, type PassResult } from './reconciler';
import { RequesterResolver } from './requester-resolver';

/**
 * Everything enrichment runs besides HTTP: consumers, open-set publisher, requester resolution, reconciliation,
 * and the change feed that tells every instance's SSE streams what any instance projected.
 */
export class EnrichmentRuntime implements ServiceRuntime {
  readonly logger = new Logger('EnrichmentRuntime');
  db!: DataSource;
  admin!: Admin;
  projector!: EnrichmentProjector;
  reconciler!: Reconciler;
  resolver!: RequesterResolver;
  groups!: GroupNames;
  readonly streamTokens: StreamTokens;
  queries!: EnrichmentQueries;
  /** Ticket ids of every projected change, whichever instance projected it (LISTEN/NOTIFY). */
  readonly changes = new Subject<string[]>();
  private feed: TicketChangeFeed | null = null;
  private producer!: EventProducer;
  private publisher!: OpenSetPublisher;
  private consumers: RunningBatchConsumer[] = [];
  private stops: (() => Promise<void>)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private passing: Promise<PassResult> | null = null;
  readonly topics;
  readonly metrics: EnrichmentMetrics;

  constructor(
    readonly config: EnrichmentConfig,
    registry: Registry,
  ) {
    this.streamTokens = new StreamTokens(config.STREAM_TOKEN_SECRETS ?? [], config.STREAM_TOKEN_TTL_SECONDS);
    this.topics = {
      tickets: { ...Topics.ticketEvents, name: config.TICKET_EVENTS_TOPIC },
      users: { ...Topics.userEvents, name: config.USER_EVENTS_TOPIC },
      openTickets: { ...Topics.userOpenTickets, name: config.USER_OPEN_TICKETS_TOPIC },
    };
    this.metrics = enrichmentMetrics(registry, this.logger, {
      // Each topic's lag on its own: one failing topic keeps its last value, the other is still reported.
      lag: async () => {
        const lags: Record<string, number> = {};
        for (const topic of [this.topics.tickets.name, this.topics.users.name]) {
          const lag = await this.lag(topic).catch(() => null);
          if (lag !== null) lags[topic] = lag;
        }
        return lags;
      },
      openSetPendingSeconds: async () => (await this.publisher?.pending())?.oldestSeconds,
    });
  }

  async start(): Promise<void> {
    const { config } = this;
    this.db = await openDatabase({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      entities: [ConsumerOffsetEntity],
      migrations: [...persistenceMigrations, ZendeskBudget1795650000000, ...enrichmentMigrations],
    });
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'enrichment' });
    this.admin = kafka.admin();
    await this.admin.connect();
    await ensureTopics(
      this.admin,
      [...withDeadLetter(this.topics.tickets), ...withDeadLetter(this.topics.users), this.topics.openTickets],
      config.KAFKA_REPLICATION_FACTOR,
    );
    this.producer = new EventProducer(kafka);
    await this.producer.connect();
    const { client: zendesk, close } = openZendeskClient(config);
    this.zendesk = zendesk;
    this.closeZendesk = close;
    this.projector = new EnrichmentProjector(this.db, config.CONSUMER_GROUP);
    this.resolver = new RequesterResolver(this.db, zendesk, this.projector);
    this.groups = new GroupNames(this.db, zendesk, (error) =>
      this.logger.warn({ msg: 'reading group names failed; read again later', error: error.message }),
    );
    this.reconciler = new Reconciler(this.db, zendesk, this.producer, {
      initialStartTime: config.RECONCILE_INITIAL_START_TIME,
      settleLagSeconds: config.RECONCILE_SETTLE_LAG_SECONDS,
      topic: this.topics.tickets,
      groups: this.groups,
    });
    this.publisher = new OpenSetPublisher(this.db, this.producer, this.topics.openTickets, (error) => {
      this.metrics.publishFailures.inc();
      this.logger.warn({ msg: 'publishing open sets failed; retrying', error: error.message });
    });

    // Both consumers count what they applied; each applies a batch in one fenced transaction.
    const consume = <S extends z.ZodType>(
      groupId: string,
      topic: TopicDefinition<S>,
      apply: (batch: PartitionBatch<z.infer<S>>) => Promise<void>,
    ) =>
      runBatchConsumer({
        kafka,
        groupId,
        topic,
        deadLetters: this.producer,
        ...this.metrics.consumerHooks,
        // While Postgres applies one partition's batch, the next is decoded and folded (replays: 1.2x measured).
        partitionsConsumedConcurrently: 2,
        handleBatch: async (batch) => {
          await apply(batch);
          // The batch's change marks are committed: publish the open sets they change now.
          this.publisher.wake();
          this.metrics.projected.inc({ topic: batch.topic }, batch.messages.length);
        },
      });
    const tickets = await consume(config.CONSUMER_GROUP, this.topics.tickets, async (batch) => {
      const { lookups } = await this.projector.applyTicketBatch(batch);
      // The batch's new requesters get their email looked up now, not at the next sweep.
      this.kickResolver(lookups);
      // A group created since the groups were read gets its name now, not at the next pass.
      this.groups.noticed(batch.messages.map((m) => m.value.ticket.groupId));
      const now = Date.now();
      for (const { value } of batch.messages)
        if (value.source !== 'reconciliation')
          this.metrics.latency.observe((now - Date.parse(value.occurredAt)) / 1000);
    });
    const users = await consume(`${config.CONSUMER_GROUP}-users`, this.topics.users, async (batch) => {
      await this.projector.applyUserBatch(batch);
    });
    this.publisher.start();
    this.consumers.push(tickets, users);
    this.stops.push(tickets.stop, users.stop, () => this.publisher.stop());
    this.queries = new EnrichmentQueries(this.db, config.TICKET_CUSTOM_FIELDS);
    this.feed = new TicketChangeFeed(
      config.DATABASE_URL,
      (ticketIds) => this.changes.next(ticketIds),
      (error) =>
        this.logger.warn({ msg: 'change feed lost its connection; reconnecting', error: error.message }),
    );
    await this.feed.start();
    // The sweep: lookups the batches' own resolution left (failed, died, no email yet), after their grace.
    this.every(2_000, async () => {
      if ((await this.resolver.resolvePending()) > 0) this.publisher.wake();
    });
    // The safety net, a scan of every ticket: at start and every 10 minutes (the re-ask interval), not every sweep.
    this.every(600_000, () => this.resolver.recordMissedLookups().then(() => undefined), 0);
    // The first pass starts at once: after a start, reads must not wait an interval for what webhooks missed.
    if (config.RECONCILE_INTERVAL_SECONDS > 0)
      this.every(config.RECONCILE_INTERVAL_SECONDS * 1000, () => this.reconcile().then(() => undefined), 0);
  }

  private resolving: Promise<void> | null = null;
  private readonly toResolve = new Set<string>();

  /** Resolves a batch's new lookups in the background, one round at a time; failures wait for the sweep. */
  private kickResolver(requesterIds: string[]) {
    if (this.stopped || requesterIds.length === 0) return;
    for (const id of requesterIds) this.toResolve.add(id);
    this.resolving ??= (async () => {
      while (this.toResolve.size > 0 && !this.stopped) {
        const ids = [...this.toResolve];
        this.toResolve.clear();
        if ((await this.resolver.resolveAmong(ids)) > 0) this.publisher.wake();
      }
    })()
      .catch((error: Error) =>
        this.logger.warn({ msg: 'requester resolution failed; retrying later', error: error.message }),
      )
      .finally(() => (this.resolving = null));
  }

  /** One reconciliation pass at a time; a call during a pass waits for it. */
  reconcile(): Promise<PassResult> {
    this.passing ??= this.reconciler
      .runPass((progress) => this.logger.log({ msg: 'reconciliation progress', ...progress }))
      .then((result) => {
        this.metrics.reconciled.inc(result.tickets);
        this.logger.log({ msg: 'reconciliation pass done', ...result });
        return result;
      })
      .finally(() => (this.passing = null));
    return this.passing;
  }

  /** Every consumer is in its group (not crashed, not stopped). */
  consuming(): boolean {
    return this.consumers.length > 0 && this.consumers.every((c) => c.isRunning());
  }

  /** Postgres and Kafka answer and every consumer is in its group; reports how far the projection is behind. */
  async ready() {
    if (!this.consuming()) throw new Error('a Kafka consumer is not running');
    await this.db.query('SELECT 1');
    const lag = await this.lag(this.topics.tickets.name);
    return { postgres: 'up', kafka: 'up', ticketEventsLag: lag };
  }

  /** Open SSE streams end first: the HTTP server waits for them before it closes. */
  beforeStop() {
    this.changes.complete();
    // Before the HTTP server waits for its requests: a POST /admin/reconcile waiting out Zendesk's retries ends now.
    this.zendesk?.close();
  }

  /** Messages in the topic beyond the offsets stored with the read models. */
  async lag(topic: string): Promise<number> {
    const [ends, stored] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.projector.storedOffsets(topic),
    ]);
    const at = new Map(stored.map((s) => [s.partition, BigInt(s.nextOffset)]));
    return ends.reduce((sum, p) => sum + Number(BigInt(p.high) - (at.get(p.partition) ?? BigInt(p.low))), 0);
  }

  private stopped = false;
  private zendesk: ZendeskClient | null = null;
  private closeZendesk: () => Promise<void> = async () => undefined;
  private readonly background = new Set<Promise<void>>();

  /** Runs `run` after `first` ms, then `ms` after each run ended. */
  private every(ms: number, run: () => Promise<void>, first = ms) {
    const tick = () => {
      if (this.stopped) return;
      const task = run()
        .catch((error: Error) =>
          this.logger.warn({ msg: 'background task failed; retrying', error: error.message }),
        )
        .finally(() => {
          this.background.delete(task);
          if (!this.stopped) this.timers.push(setTimeout(tick, ms));
        });
      this.background.add(task);
    };
    this.timers.push(setTimeout(tick, first));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // First: a resolver or reconciliation call waiting out Zendesk's retries ends now instead of in minutes.
    await this.closeZendesk();
    await this.feed?.stop();
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all(this.background);
    await this.resolving;
    await this.groups?.close();
    await this.passing?.catch(() => undefined);
    for (const stop of this.stops) await stop().catch(() => undefined);
    for (const timer of this.timers) clearTimeout(timer);
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    await this.db?.destroy();
  }
}
