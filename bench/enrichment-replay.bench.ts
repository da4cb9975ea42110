// Replay throughput: a topic of N ticket events (default 1,000,000) projected into the read models from the start,
// beside the raw consume rate of the same topic (kafkajs, no work per message), in the same run.
//   npx tsx bench/enrichment-replay.bench.ts [events=1000000] [tickets=100000]
// Needs KAFKA_BROKERS and DATABASE_URL, or starts the test broker and uses the machine's Postgres.
import { randomUUID } from 'node:crypto';
import { backOff } from 'exponential-backoff';
import { Topics, type TicketEvent } from '@ticketflow/contracts';
import { EnrichmentProjector, enrichmentMigrations } from '@ticketflow/enrichment';
import {
  EventProducer,
  createKafka,
  ensureTopics,
  runBatchConsumer,
  withDeadLetter,
} from '@ticketflow/kafka';
import { ConsumerOffsetEntity, openDatabase, persistenceMigrations } from '@ticketflow/persistence';
import { benchInfrastructure, runBench } from './harness';

const total = Number(process.argv[2] ?? 1_000_000);
const ticketCount = Number(process.argv[3] ?? 100_000);
const STATUSES = [
  'new',
  'open',
  'pending',
  'open',
  'hold',
  'open',
  'solved',
  'open',
  'solved',
  'closed',
] as const;

/** Event i: the (i / tickets)-th step of ticket (i % tickets): created, then status changes. */
function eventAt(i: number, base: number): TicketEvent {
  const ticket = i % ticketCount;
  const step = Math.floor(i / ticketCount);
  const id = String(100_000 + ticket);
  const at = new Date(base + step * 60_000 + ticket).toISOString();
  const status = STATUSES[step % STATUSES.length]!;
  const snapshot = {
    id,
    subject: `Ticket ${id}`,
    status,
    statusCategory: status === 'closed' ? ('solved' as const) : status,
    customStatusId: null,
    priority: 'normal' as const,
    type: 'question' as const,
    requesterId: String(8_000_000 + (ticket % 30_000)),
    requesterEmail: null,
    assigneeId: '360000000001',
    groupId: null,
    organizationId: null,
    tags: [],
    createdAt: new Date(base).toISOString(),
    updatedAt: at,
  };
  const common = {
    schemaVersion: 1 as const,
    eventId: randomUUID(),
    source: 'zendesk-event-webhook' as const,
    occurredAt: at,
    ticketId: id,
    sequenceId: `${id}-${step}`,
    ticket: snapshot,
  };
  return step === 0
    ? { ...common, type: 'ticket.created' }
    : {
        ...common,
        type: 'ticket.status_changed',
        change: { previous: STATUSES[(step - 1) % STATUSES.length]!, current: status },
      };
}

const progress = (label: string, done: number, started: number) =>
  console.log(
    `  ${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${Math.round(done / ((Date.now() - started) / 1000)).toLocaleString('en')}/s)`,
  );

async function main() {
  const infrastructure = await benchInfrastructure();
  const { brokers, databaseUrl } = infrastructure;
  const kafka = createKafka({ brokers: [brokers], clientId: 'bench-replay' });
  const suffix = randomUUID().slice(0, 8);
  const topic = { ...Topics.ticketEvents, name: `bench.replay.${suffix}` };
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, withDeadLetter(topic));

  // 1. Fill the topic.
  const producer = new EventProducer(kafka);
  await producer.connect();
  let started = Date.now();
  let lastReport = started;
  const base = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < total; i += 5_000) {
    const events = Array.from({ length: Math.min(5_000, total - i) }, (_, k) => eventAt(i + k, base));
    // A fresh topic's partitions may take a moment to be served: retry a failed send.
    await backOff(
      () =>
        producer.publish(
          topic,
          events.map((value) => ({ key: value.ticketId, value })),
        ),
      {
        numOfAttempts: 5,
      },
    );
    if (Date.now() - lastReport > 5_000) {
      progress('producing', i + events.length, started);
      lastReport = Date.now();
    }
  }
  console.log(
    `produced ${total.toLocaleString('en')} events in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  // 2. Baseline: raw consume of the same topic, nothing done per message.
  const raw = kafka.consumer({ groupId: `bench-raw-${suffix}`, maxWaitTimeInMs: 100 });
  await raw.connect();
  await raw.subscribe({ topic: topic.name, fromBeginning: true });
  let consumed = 0;
  started = Date.now();
  const rawDone = new Promise<number>((resolve) => {
    void raw.run({
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= total) resolve(Date.now());
      },
    });
  });
  const rawEnd = await rawDone;
  const rawSeconds = (rawEnd - started) / 1000;
  await raw.disconnect();

  // 3. Projection into the read models (fresh schema), exactly as the enrichment service runs it.
  const schema = `bench_${suffix}`;
  const db = await openDatabase({
    url: databaseUrl,
    schema,
    entities: [ConsumerOffsetEntity],
    migrations: [...persistenceMigrations, ...enrichmentMigrations],
  });
  const projector = new EnrichmentProjector(db, `bench-projection-${suffix}`);
  let projected = 0;
  started = Date.now();
  lastReport = started;
  let resolveDone!: (end: number) => void;
  const projectedDone = new Promise<number>((resolve) => (resolveDone = resolve));
  const consumer = await runBatchConsumer({
    kafka,
    groupId: `bench-projection-${suffix}`,
    topic,
    deadLetters: producer,
    onBatchFailed: (error) => console.error(`batch failed, applying message by message: ${error.message}`),
    handleBatch: async (batch) => {
      await projector.applyTicketBatch(batch);
      projected += batch.messages.length;
      if (Date.now() - lastReport > 5_000) {
        progress('projecting', projected, started);
        lastReport = Date.now();
      }
      if (projected >= total) resolveDone(Date.now());
    },
  });
  const projectionSeconds = ((await projectedDone) - started) / 1000;
  await consumer.stop();
  const [{ tickets }] = await db.query(`SELECT count(*)::int AS tickets FROM tickets`);
  const [{ transitions }] = await db.query(`SELECT count(*)::int AS transitions FROM ticket_status_history`);

  console.log(
    `\nreplay of ${total.toLocaleString('en')} ticket events (${ticketCount.toLocaleString('en')} tickets), Node ${process.version}`,
  );
  console.log('| reader | seconds | events/s |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| raw kafkajs consume (baseline) | ${rawSeconds.toFixed(1)} | ${Math.round(total / rawSeconds).toLocaleString('en')} |`,
  );
  console.log(
    `| enrichment projection into Postgres | ${projectionSeconds.toFixed(1)} | ${Math.round(total / projectionSeconds).toLocaleString('en')} |`,
  );
  console.log(
    `projection / raw consume: ${(rawSeconds / projectionSeconds).toFixed(3)}; read models: ${tickets} tickets, ${transitions} transitions`,
  );

  await db.query(`DROP SCHEMA "${schema}" CASCADE`);
  await db.destroy();
  await admin.deleteTopics({ topics: [topic.name, `${topic.name}.dlq`] }).catch(() => undefined);
  await admin.disconnect();
  await producer.disconnect();
  await infrastructure.stop();
}

runBench(main);
