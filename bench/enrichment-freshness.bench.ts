// Freshness under load (issue 13, goals 3 and 5): the simulator changes tickets at a steady rate and sends each
// change's signed event webhooks to the gateway (bench/load-generator.ts, a worker thread of this process);
// gateway, enrichment and alerting each run as their own built process. Per change: from the moment the simulator
// made it (before its webhooks leave) to the moment the read model committed it, observed independently of the
// services on this thread: LISTEN ticket_changes (notified in the projection's transaction), then the committed
// order key of each notified ticket, read from enrichment's schema. After the load: time until enrichment's stored
// offsets reach the topics' ends (lag also sampled every second), and each service's peak RSS. Baselines in the
// same run: the gateway's own produce → Kafka ack, and one Kafka hop.
//   npx tsx bench/enrichment-freshness.bench.ts [changesPerSecond=500] [seconds=60]
import { once } from 'node:events';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client, Pool } from 'pg';
import { Topics, userUpserted } from '@ticketflow/contracts';
import { EventProducer } from '@ticketflow/kafka';
import { report, runBench } from './harness';
import {
  epochNow,
  type Change,
  type FromGenerator,
  type GeneratorOptions,
  type ToGenerator,
} from './load-generator';
import {
  BenchRun,
  benchFrame,
  enrichmentLag,
  kafkaHop,
  latencyRow,
  measuredOn,
  percentileOf,
  sleep,
  startPipeline,
  until,
  verdict,
} from './pipeline';
import { commandCpuSeconds, machineCpuSeconds, type BenchService } from './processes';

const rate = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 60);
const GOAL = { p99Ms: 50, backlogMs: 1_000, peakRssMb: 150 };
const WARM_UP = { ratePerSecond: Math.min(rate, 50), seconds: 2 };

/** The load generator's thread: messages it sent, one at a time by type. */
function startGenerator(run: BenchRun, onChange: (change: Change) => void) {
  const options: GeneratorOptions = { tickets: 2_000, seed: 4 };
  const worker = new Worker(join(__dirname, 'load-generator.ts'), { workerData: options });
  const waiting = new Map<string, (message: FromGenerator) => void>();
  const failed = once(worker, 'error');
  worker.on('message', (message: FromGenerator) => {
    if (message.type === 'change') onChange(message.change);
    else waiting.get(message.type)?.(message);
  });
  /** The next message of this type (or the worker's error). */
  const next = <T extends FromGenerator['type']>(type: T) =>
    Promise.race([
      new Promise<Extract<FromGenerator, { type: T }>>((resolve) =>
        waiting.set(type, resolve as (message: FromGenerator) => void),
      ),
      failed.then(([error]) => Promise.reject(error as Error)),
    ]);
  const send = (message: ToGenerator) => worker.postMessage(message);
  run.defer(async () => {
    send({ type: 'close' });
    await Promise.race([next('closed'), sleep(15_000)]);
    await worker.terminate();
  });
  return { next, send };
}

/**
 * Changes not yet seen committed, each timed from its own start (a later change of the same ticket is a sample of
 * its own), and the reads that find them committed: the row's order key carries the change's time or a later one
 * (its last part is the event time in ms). End = when that read returns.
 */
class CommitWatcher {
  readonly pending = new Map<string, Change[]>();
  readonly finished: { change: Change; ms: number }[] = [];
  started = 0;
  /** When each ticket was last notified: a change can reach this thread after its own commit's notification. */
  private readonly lastNotified = new Map<string, number>();
  private readonly toRead = new Set<string>();
  private reading: Promise<void> | null = null;
  private source: { pool: Pool; schema: string } | null = null;

  readFrom(pool: Pool, schema: string) {
    this.source = { pool, schema };
  }

  add(change: Change) {
    this.started++;
    this.pending.set(change.ticketId, [...(this.pending.get(change.ticketId) ?? []), change]);
    if ((this.lastNotified.get(change.ticketId) ?? -Infinity) >= change.start)
      this.readSoon([change.ticketId]);
  }

  notified(ids: string[]) {
    const now = epochNow();
    for (const id of ids) this.lastNotified.set(id, now);
    this.readSoon(ids.filter((id) => this.pending.has(id)));
  }

  unfinished() {
    return [...this.pending.values()].reduce((n, list) => n + list.length, 0);
  }

  /**
   * One read in flight, covering every ticket notified meanwhile: a read per notification would queue up here
   * under load and add the benchmark's own wait to the figures.
   */
  private readSoon(ids: string[]) {
    for (const id of ids) this.toRead.add(id);
    if (this.toRead.size === 0 || !this.source) return;
    this.reading ??= (async () => {
      while (this.toRead.size) {
        const batch = [...this.toRead];
        this.toRead.clear();
        await this.complete(batch);
      }
    })()
      .catch((error: Error) => console.error(`reading committed rows: ${error.message}`))
      .finally(() => {
        this.reading = null;
        this.readSoon([]);
      });
  }

  private async complete(ids: string[]) {
    const { pool, schema } = this.source!;
    const { rows } = await pool.query<{ ticket_id: string; order_key: string }>(
      `SELECT ticket_id, order_key FROM "${schema}".tickets WHERE ticket_id = ANY($1)`,
      [ids],
    );
    const now = epochNow();
    for (const row of rows) {
      const committedAt = Number(row.order_key.split('.').at(-1));
      const list = this.pending.get(row.ticket_id) ?? [];
      for (const change of list.filter((c) => c.at <= committedAt))
        this.finished.push({ change, ms: now - change.start });
      const still = list.filter((c) => c.at > committedAt);
      if (still.length) this.pending.set(row.ticket_id, still);
      else this.pending.delete(row.ticket_id);
    }
  }
}

async function measure(run: BenchRun): Promise<boolean> {
  const commits = new CommitWatcher();
  const generator = startGenerator(run, (change) => commits.add(change));
  const sim = await generator.next('ready');
  const pipeline = await startPipeline(run, sim, 3100);
  const atReady = pipeline.services.map((s) => s.memory().rssMb);
  generator.send({ type: 'webhooks', gatewayUrl: pipeline.gateway.url });
  const { schema } = pipeline.enrichment;
  const pool = new Pool({ connectionString: process.env['DATABASE_URL'], max: 4 });
  run.defer(() => pool.end());
  const admin = run.kafka.admin();
  await admin.connect();
  run.defer(() => admin.disconnect());
  const lag = () => enrichmentLag(pool, admin, pipeline);

  // Every requester is a company user, so the open-set publisher and alerting work under the load too.
  const producer = new EventProducer(run.kafka);
  await producer.connect();
  const users = sim.requesters.map((r) => userUpserted(`u${r.id}`, r.email));
  await producer.publish(
    { ...Topics.userEvents, name: pipeline.topics.users },
    users.map((value) => ({ key: value.userId, value })),
  );
  await producer.disconnect();

  commits.readFrom(pool, schema);
  const listener = new Client({ connectionString: process.env['DATABASE_URL'] });
  await listener.connect();
  run.defer(() => listener.end());
  listener.on('notification', (message) => commits.notified(JSON.parse(message.payload ?? '[]') as string[]));
  await listener.query('LISTEN ticket_changes');

  // Where the time goes: when each change's first event could be read from the topic, by a consumer of our own
  // on this thread (the generator's busy loop would delay its own record of the gateway's answers).
  const inKafka = new Map<string, number>();
  const tap = run.kafka.consumer({ groupId: run.unique('tap'), maxWaitTimeInMs: 100 });
  run.defer(() => tap.disconnect());
  await tap.connect();
  const tapJoined = new Promise((resolve) => tap.on(tap.events.GROUP_JOIN, resolve));
  await tap.subscribe({ topic: pipeline.topics.tickets, fromBeginning: true });
  await tap.run({
    eachMessage: async ({ message }) => {
      const at = epochNow();
      const event = JSON.parse(message.value!.toString()) as { ticketId: string; occurredAt: string };
      const key = `${event.ticketId}@${Date.parse(event.occurredAt)}`;
      if (!inKafka.has(key)) inKafka.set(key, at);
    },
  });
  await tapJoined;

  // Warm-up (not measured): JIT, connections, the first requester lookups.
  const { ratePerSecond } = WARM_UP;
  generator.send({
    type: 'run',
    ratePerSecond,
    actions: ratePerSecond * WARM_UP.seconds,
    seed: 7,
    measured: false,
  });
  await generator.next('flushed');
  await until('warm-up projected (enrichment lag 0)', async () => (await lag()) === 0, 60_000);

  console.log(`load: ${rate} changes/s for ${seconds} s`);
  const produceBefore = await gatewayProduce(pipeline.gateway.url);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let maxLag = 0;
  const sampler = setInterval(() => {
    for (const service of pipeline.services) service.memory();
    lag().then(
      (n) => (maxLag = Math.max(maxLag, n)),
      () => undefined,
    );
  }, 1_000);
  // CPU while idle (the services' own polling) and over the load, as shares of one core.
  const idle = cpuMeter(pipeline.services);
  await sleep(3_000);
  const idleCpu = idle();
  const busy = cpuMeter(pipeline.services);
  loopDelay.enable();
  generator.send({ type: 'run', ratePerSecond: rate, actions: rate * seconds, seed: 8, measured: true });
  const flushed = generator.next('flushed');
  const load = await generator.next('load-done');
  clearInterval(sampler);
  const loadCpu = busy();

  // Backlog: from the last change until every webhook is answered and enrichment stored the topics' ends.
  let answered: Extract<FromGenerator, { type: 'flushed' }> | null = null;
  void flushed.then((message) => (answered = message));
  let backlogMs: number | null = null;
  while (epochNow() - load.at < 60_000) {
    if (answered && (await lag()) === 0) {
      backlogMs = epochNow() - load.at;
      break;
    }
    await sleep(10);
  }
  loopDelay.disable();
  const webhooks = await flushed;
  // A commit's notification follows it: what is still pending a few seconds after lag 0 never finished.
  for (let waited = 0; commits.pending.size > 0 && waited < 10_000; waited += 50) await sleep(50);
  const unfinished = commits.unfinished();

  const produce = produceSince(produceBefore, await gatewayProduce(pipeline.gateway.url));
  const memory = pipeline.services.map((s, i) => ({ name: s.name, atReadyMb: atReady[i]!, ...s.memory() }));
  const toKafka = commits.finished
    .map(({ change }) => (inKafka.get(`${change.ticketId}@${change.at}`) ?? NaN) - change.start)
    .filter(Number.isFinite);
  const latencies = commits.finished.map((f) => f.ms);
  const { started } = commits;
  const hops = await kafkaHop(run, 200);

  const p99 = percentileOf(latencies, 99);
  const rssMet = memory.every((m) => m.peakRssMb < GOAL.peakRssMb);
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');
  const n = (v: number) => v.toLocaleString('en');
  report(
    'freshness',
    [
      `Measured ${measuredOn()}: \`${rate} ${seconds}\`, reconciliation off (webhooks are the only source), ` +
        `tracing off. Load generator: ${n(load.changes)} changes in ${load.seconds.toFixed(1)} s, ` +
        `**${(load.changes / load.seconds).toFixed(0)} changes/s achieved** of ${rate} asked; ` +
        `${n(webhooks.webhooks)} webhooks (${n(webhooks.delivered)} answered 2xx; sent again after a first attempt that got ${
          Object.entries(webhooks.retried)
            .map(([status, count]) => `${status}: ${n(count)}`)
            .join(', ') || 'nothing else'
        }); its event loop ` +
        `${Math.round(load.busy * 100)} % busy, delay p99 ${load.loopDelayP99Ms.toFixed(1)} ms ` +
        `(measuring thread: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms). ` +
        `CPU during the load (share of one core): ${loadCpu}; idle for 3 s before it: ${idleCpu}.`,
      '',
      '| path | samples | p50 ms | p99 ms | max ms |',
      '| --- | ---: | ---: | ---: | ---: |',
      latencyRow('baseline: one Kafka hop (produce acks=all → consume), after the load', hops),
      `| baseline: gateway produce → Kafka ack, during the load | ${produce.count} | mean ${produce.meanMs.toFixed(1)} | ≤ ${produce.p99BoundMs} | — |`,
      latencyRow("of which: change → its first event read from Kafka (this thread's consumer)", toKafka),
      latencyRow(
        `change → committed in read model (started ${started}, finished ${latencies.length})`,
        latencies,
      ),
      '',
      '| goal | measured | target | verdict |',
      '| --- | ---: | ---: | --- |',
      `| change → read model p99 | ${ms(p99)} | < ${GOAL.p99Ms} ms | ${verdict(p99 < GOAL.p99Ms)} |`,
      `| backlog: last change → enrichment's stored offsets at the topics' ends | ${backlogMs === null ? '> 60 s' : ms(backlogMs)} | ≤ ${n(GOAL.backlogMs)} ms | ${verdict(backlogMs !== null && backlogMs <= GOAL.backlogMs)} |`,
      `| largest lag sampled each second during the load | ${n(maxLag)} events | — | — |`,
      ...memory.map(
        (m) =>
          `| peak RSS (VmHWM) ${m.name} (RSS once ready: ${m.atReadyMb} MB) | ${m.peakRssMb} MB | < ${GOAL.peakRssMb} MB | ${verdict(m.peakRssMb < GOAL.peakRssMb)} |`,
      ),
    ].join('\n'),
  );
  if (unfinished > 0) console.error(`${unfinished} of ${started} changes never reached the read model`);
  if (webhooks.delivered !== webhooks.webhooks)
    console.error(`${webhooks.webhooks - webhooks.delivered} webhooks were not answered 2xx`);
  const met = p99 < GOAL.p99Ms && backlogMs !== null && backlogMs <= GOAL.backlogMs && rssMet;
  console.log(`goals: ${met ? 'met' : 'not met'}`);
  return unfinished === 0 && latencies.length === started && webhooks.delivered === webhooks.webhooks;
}

/**
 * Starts measuring CPU time: the returned function gives each process's share of one core since then (this
 * process: the generator and the measurement), Kafka's, Postgres's, and how busy the whole machine was.
 */
function cpuMeter(services: BenchService[]): () => string {
  const began = performance.now();
  const before = {
    services: services.map((s) => s.cpuSeconds()),
    bench: process.cpuUsage(),
    machine: machineCpuSeconds(),
    kafka: commandCpuSeconds('java'),
    postgres: commandCpuSeconds('postgres'),
  };
  return () => {
    const wall = (performance.now() - began) / 1000;
    const share = (cpuSeconds: number) => `${Math.round((cpuSeconds / wall) * 100)} %`;
    const machine = machineCpuSeconds();
    const bench = process.cpuUsage(before.bench);
    return [
      `this process ${share((bench.user + bench.system) / 1e6)}`,
      ...services.map((s, i) => `${s.name} ${share(s.cpuSeconds() - before.services[i]!)}`),
      `Kafka ${share(commandCpuSeconds('java') - before.kafka)}`,
      `Postgres ${share(commandCpuSeconds('postgres') - before.postgres)}`,
      `whole machine ${Math.round(((machine.busy - before.machine.busy) / (machine.total - before.machine.total)) * 100)} % busy of ${cpus().length} cores`,
    ].join(', ');
  };
}

/** The gateway's own produce → acknowledgement histogram (acknowledged sends): count, sum, cumulative buckets. */
async function gatewayProduce(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`kafka_produce_duration_seconds_${name}{`))
      .filter((line) => line.includes('outcome="acknowledged"'));
  const value = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));
  return {
    count: value(series('count')[0] ?? ' 0'),
    sum: value(series('sum')[0] ?? ' 0'),
    buckets: series('bucket').map((line) => ({ le: Number(/le="([^"]+)"/.exec(line)![1]), n: value(line) })),
  };
}

/** What the gateway produced between two scrapes: count, mean, and the bucket bound its p99 falls under. */
function produceSince(
  before: Awaited<ReturnType<typeof gatewayProduce>>,
  after: Awaited<ReturnType<typeof gatewayProduce>>,
) {
  const count = after.count - before.count;
  const bucket = after.buckets.find(
    (b) => b.n - (before.buckets.find((x) => x.le === b.le)?.n ?? 0) >= 0.99 * count,
  );
  return {
    count,
    meanMs: count ? ((after.sum - before.sum) / count) * 1000 : NaN,
    p99BoundMs: (bucket?.le ?? Infinity) * 1000,
  };
}

runBench(() => benchFrame('fresh', measure));
