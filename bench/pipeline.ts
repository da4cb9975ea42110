// The pipeline under benchmark, as deployed: webhook-gateway, enrichment and alerting each in its own process on
// topics, consumer groups and schemas of one run, and what a run created is removed at its end (even on failure).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import type { Admin, Kafka } from 'kafkajs';
import { Client, type Pool } from 'pg';
import { Topics } from '@ticketflow/contracts';
import { EventProducer, createKafka, ensureTopics } from '@ticketflow/kafka';
import { serviceTestEnv } from '@ticketflow/testing';
import { ZENDESK_TEST_SIGNING_SECRET } from '@ticketflow/zendesk';
import { ADMIN_EMAIL } from '@ticketflow/zendesk-simulator';
import { benchInfrastructure, percentile } from './harness';
import { buildServices, startBenchService, type BenchService } from './processes';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One benchmark run's names and everything it must remove; `cleanup` undoes it in reverse. */
export class BenchRun {
  readonly suffix = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
  readonly kafka: Kafka;
  private readonly schemas: string[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  constructor(readonly name: string) {
    this.kafka = createKafka({ brokers: [process.env['KAFKA_BROKERS']!], clientId: `bench-${name}` });
  }

  /** A Postgres schema name, dropped at cleanup. */
  schema(service: string): string {
    const schema = `bench_${this.name}_${service}_${this.suffix}`;
    this.schemas.push(schema);
    return schema;
  }

  /** A topic or group name of this run; every topic and group carrying the suffix is deleted at cleanup. */
  unique(what: string): string {
    return `bench.${this.name}.${what}.${this.suffix}`;
  }

  /** Runs at cleanup, before services stop (last registered first). */
  defer(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async service(app: string, port: number, env: Record<string, string>): Promise<BenchService> {
    const service = await startBenchService(app, port, env);
    this.defer(() => service.stop());
    return service;
  }

  async cleanup(): Promise<void> {
    const attempt = (what: string, step: () => Promise<unknown>) =>
      step().catch((error: Error) => console.error(`cleanup: ${what} failed: ${error.message}`));
    for (const close of this.closers.reverse()) await attempt('close', close);
    const db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await attempt('connect to Postgres', () => db.connect());
    for (const schema of this.schemas)
      await attempt(`drop ${schema}`, () => db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    await db.end().catch(() => undefined);
    const admin = this.kafka.admin();
    await attempt('Kafka cleanup', async () => {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.includes(this.suffix));
      if (topics.length) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.includes(this.suffix));
      if (groups.length) await admin.deleteGroups(groups);
      console.log(
        `cleanup: dropped ${this.schemas.length} schemas, deleted ${topics.length} topics, ${groups.length} groups`,
      );
    });
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A benchmark's frame: Kafka and Postgres (started when missing), the services built once, and the run's cleanup
 * after `measure` whatever happens, also on SIGINT or SIGTERM. Resolves with what `measure` returned.
 */
export async function benchFrame(
  name: string,
  measure: (run: BenchRun) => Promise<boolean>,
): Promise<boolean> {
  const infrastructure = await benchInfrastructure();
  const run = new BenchRun(name);
  let cleaning: Promise<void> | null = null;
  const cleanup = () => (cleaning ??= run.cleanup().finally(() => infrastructure.stop()));
  const interrupted = (signal: string) => {
    console.error(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(1));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  process.once('uncaughtException', (error) => {
    console.error(error);
    interrupted('uncaught exception');
  });
  try {
    buildServices();
    return await measure(run);
  } finally {
    await cleanup();
  }
}

export interface Pipeline {
  topics: { tickets: string; users: string; openTickets: string; counts: string; alerts: string };
  /** Enrichment's schema and group: the offsets it stores with its read models are the lag's truth. */
  enrichment: { schema: string; group: string };
  gateway: BenchService;
  services: BenchService[];
}

/**
 * Gateway, enrichment and alerting as built processes on ports `base`, `base + 1`, `base + 2`, against the
 * simulator as Zendesk (enrichment resolves requester emails there). Reconciliation is off: the webhooks are the
 * only source, so what is measured is the live path.
 */
export async function startPipeline(
  run: BenchRun,
  sim: { url: string; apiToken: string },
  base: number,
): Promise<Pipeline> {
  const topics = {
    tickets: run.unique('ticket-events'),
    users: run.unique('user-events'),
    openTickets: run.unique('open-tickets'),
    counts: run.unique('open-ticket-count'),
    alerts: run.unique('alerts'),
  };
  const enrichmentGroup = run.unique('enrichment');
  const enrichmentSchema = run.schema('en');
  // As deployed, but without an OTLP collector to export to.
  const common = { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'error' };
  const gateway = await run.service('webhook-gateway', base, {
    ...common,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS']!,
    ZENDESK_WEBHOOK_SECRETS: ZENDESK_TEST_SIGNING_SECRET,
    TICKET_EVENTS_TOPIC: topics.tickets,
  });
  const enrichment = await run.service('enrichment', base + 1, {
    ...serviceTestEnv({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, enrichmentSchema),
    ...common,
    ENRICHMENT_API_KEYS: 'bench-enrichment-key',
    RECONCILE_INTERVAL_SECONDS: '0',
    CONSUMER_GROUP: enrichmentGroup,
    TICKET_EVENTS_TOPIC: topics.tickets,
    USER_EVENTS_TOPIC: topics.users,
    USER_OPEN_TICKETS_TOPIC: topics.openTickets,
  });
  const alerting = await run.service('alerting', base + 2, {
    ...common,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS']!,
    DATABASE_URL: process.env['DATABASE_URL']!,
    DATABASE_SCHEMA: run.schema('al'),
    ALERTING_API_KEYS: 'bench-alerting-key',
    CONSUMER_GROUP: run.unique('alerting'),
    USER_OPEN_TICKETS_TOPIC: topics.openTickets,
    USER_OPEN_TICKET_COUNT_TOPIC: topics.counts,
    USER_ALERTS_TOPIC: topics.alerts,
  });
  return {
    topics,
    enrichment: { schema: enrichmentSchema, group: enrichmentGroup },
    gateway,
    services: [gateway, enrichment, alerting],
  };
}

/**
 * Messages in enrichment's topics beyond the offsets it stored with its read models (its own truth, not Kafka's
 * committed offsets, which follow the database's).
 */
export async function enrichmentLag(db: Pool, admin: Admin, pipeline: Pipeline): Promise<number> {
  const { schema, group } = pipeline.enrichment;
  let lag = 0;
  // The projector stores both topics' offsets under its one group id.
  for (const topic of [pipeline.topics.tickets, pipeline.topics.users]) {
    const [ends, stored] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      db.query<{ partition: number; next_offset: string }>(
        `SELECT partition, next_offset FROM "${schema}".kafka_consumer_offsets WHERE group_id = $1 AND topic = $2`,
        [group, topic],
      ),
    ]);
    const at = new Map(stored.rows.map((r) => [r.partition, Number(r.next_offset)]));
    for (const p of ends) lag += Number(p.high) - (at.get(p.partition) ?? Number(p.low));
  }
  return lag;
}

/** Polls until `check` holds; throws after `timeoutMs` naming what never happened. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

/** When each keyed message arrived (first arrival wins), and a way to wait for one. */
export class Arrivals {
  private readonly at = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();

  record(key: string, at = performance.now()): void {
    if (this.at.has(key)) return;
    this.at.set(key, at);
    this.waiting.get(key)?.();
  }

  get(key: string): number | undefined {
    return this.at.get(key);
  }

  /** Resolves with the arrival time, or undefined after `timeoutMs`. */
  async wait(key: string, timeoutMs: number): Promise<number | undefined> {
    if (!this.at.has(key)) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiting.set(key, resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.waiting.delete(key);
    }
    return this.at.get(key);
  }
}

/**
 * The floor of every hop in the pipeline, in the same run: produce with acks=all (the services' idempotent
 * producer) → a consumer in another group (the services' fetch wait) receives it; one message at a time.
 */
export async function kafkaHop(run: BenchRun, samples: number): Promise<number[]> {
  const topic = { ...Topics.userAlerts, name: run.unique('hop') };
  const admin = run.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topic]);
  await admin.disconnect();
  const producer = new EventProducer(run.kafka);
  await producer.connect();
  const arrivals = new Arrivals();
  const consumer = run.kafka.consumer({ groupId: run.unique('hop-reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topic.name, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => arrivals.record(message.key!.toString()) });
    // Warm-up: the group has joined and the producer knows the partitions once this one arrives.
    await producer.sendRaw(topic.name, [{ key: 'warm-up', value: '{}', headers: {} }]);
    if ((await arrivals.wait('warm-up', 30_000)) === undefined) throw new Error('hop warm-up never arrived');
    const hops: number[] = [];
    for (let i = 0; i < samples; i++) {
      const sent = performance.now();
      await producer.sendRaw(topic.name, [{ key: `k${i}`, value: '{}', headers: {} }]);
      const arrived = await arrivals.wait(`k${i}`, 10_000);
      if (arrived === undefined) throw new Error(`hop sample ${i} never arrived`);
      hops.push(arrived - sent);
    }
    return hops;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/** `| label | n | p50 | p99 | max |` of milliseconds, one decimal. */
export function latencyRow(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));
  const p = (q: number) => (sorted.length ? percentile(sorted, q) : undefined);
  return `| ${label} | ${sorted.length} | ${ms(p(50))} | ${ms(p(99))} | ${ms(sorted.at(-1))} |`;
}

/** The p-th percentile, or Infinity when there is no sample (a goal on nothing is not met). */
export function percentileOf(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.length ? percentile(sorted, p) : Infinity;
}

/** Date, commit, Node and CPU count: what a figure was measured with. */
export function measuredOn(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  let commit = 'no git';
  try {
    commit = `commit ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : ''}`;
  } catch {
    // not a checkout: the date and versions still say when
  }
  return `${new Date().toISOString().slice(0, 10)} (${commit}), Node ${process.version}, ${cpus().length} CPUs`;
}

export const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
