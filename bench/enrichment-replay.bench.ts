// Replay throughput: a topic of N ticket events (default 1,000,000) projected into the read models from the start
// by the enrichment service in its own process, beside the raw consume rate of the same topic (kafkajs, no work per
// message) in the same run; then the read models are compared with a reference fold of the generated events.
//   npx tsx bench/enrichment-replay.bench.ts [events=1000000] [tickets=100000]
// Needs KAFKA_BROKERS and DATABASE_URL, or starts the test broker and uses the machine's Postgres.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { backOff } from 'exponential-backoff';
import { Client } from 'pg';
import { Topics, deadLetterTopicOf, type TicketEvent } from '@ticketflow/contracts';
import { EventProducer, createKafka, ensureTopics, withDeadLetter } from '@ticketflow/kafka';
import { benchInfrastructure, report, runBench } from './harness';
import { buildServices, commandCpuSeconds, startBenchService, type BenchService } from './processes';

const total = Number(process.argv[2] ?? 1_000_000);
const ticketCount = Number(process.argv[3] ?? 100_000);
const REQUESTERS = 30_000;
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
const ticketId = (ticket: number) => String(100_000 + ticket);
const requesterId = (ticket: number) => String(8_000_000 + (ticket % REQUESTERS));
const emailOf = (requester: string) => `requester-${requester}@replay.example`;

/** Event i: the (i / tickets)-th step of ticket (i % tickets): created, then status changes. */
function eventAt(i: number, base: number): TicketEvent {
  const ticket = i % ticketCount;
  const step = Math.floor(i / ticketCount);
  const id = ticketId(ticket);
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
    requesterId: requesterId(ticket),
    requesterEmail: null, // as in event webhooks: the service resolves requesters through the Users API
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

/** Zendesk's show_many users, for the service's requester resolution: every id exists, with its email. */
async function usersApi(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const ids = new URL(req.url!, 'http://x').searchParams.get('ids')?.split(',') ?? [];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ users: ids.map((id) => ({ id: Number(id), email: emailOf(id), name: id })) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** CPU seconds used so far by the enrichment process, Postgres and Kafka. */
const cpuSeconds = (enrichment: BenchService) => ({
  enrichment: enrichment.cpuSeconds(),
  postgres: commandCpuSeconds('postgres'),
  kafka: commandCpuSeconds('java'),
});

const count = (n: number) => Math.round(n).toLocaleString('en');

async function main() {
  const infrastructure = await benchInfrastructure();
  const { brokers, databaseUrl } = infrastructure;
  buildServices();
  const kafka = createKafka({ brokers: [brokers], clientId: 'bench-replay' });
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    tickets: { ...Topics.ticketEvents, name: `bench.replay.${suffix}` },
    users: { ...Topics.userEvents, name: `bench.replay-users.${suffix}` },
    openTickets: { ...Topics.userOpenTickets, name: `bench.replay-open.${suffix}` },
  };
  const schema = `bench_replay_${suffix}`;
  const groupId = `bench-replay-${suffix}`;
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    Object.values(topics).flatMap((t) => withDeadLetter(t)),
  );
  const producer = new EventProducer(kafka);
  await producer.connect();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const zendesk = await usersApi();
  try {
    // 1. Fill the topic.
    let started = Date.now();
    const base = Date.now() - 30 * 86_400_000;
    for (let i = 0, reported = started; i < total; i += 5_000) {
      const events = Array.from({ length: Math.min(5_000, total - i) }, (_, k) => eventAt(i + k, base));
      // A fresh topic's partitions may take a moment to be served: retry a failed send.
      await backOff(
        () =>
          producer.publish(
            topics.tickets,
            events.map((value) => ({ key: value.ticketId, value })),
          ),
        {
          numOfAttempts: 5,
        },
      );
      if (Date.now() - reported > 5_000) {
        console.log(`  producing: ${count(i + events.length)} / ${count(total)}`);
        reported = Date.now();
      }
    }
    console.log(`produced ${count(total)} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // 2. Baseline: raw consume of the same topic, nothing done per message.
    const raw = kafka.consumer({ groupId: `bench-raw-${suffix}`, maxWaitTimeInMs: 100 });
    await raw.connect();
    await raw.subscribe({ topic: topics.tickets.name, fromBeginning: true });
    let consumed = 0;
    started = Date.now();
    const rawEnd = await new Promise<number>((resolve) => {
      void raw.run({
        eachBatch: async ({ batch }) => {
          consumed += batch.messages.length;
          if (consumed >= total) resolve(Date.now());
        },
      });
    });
    const rawSeconds = (rawEnd - started) / 1000;
    await raw.disconnect();

    // 3. The enrichment service replays the topic into a fresh schema; progress is its stored offsets.
    const enrichment = await startBenchService('enrichment', 3104, {
      KAFKA_BROKERS: brokers,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      ZENDESK_BASE_URL: zendesk.url,
      ZENDESK_EMAIL: 'bench@replay.example',
      ZENDESK_API_TOKEN: 'bench-replay-token',
      ZENDESK_REQUESTS_PER_MINUTE: '100000',
      ENRICHMENT_API_KEYS: 'bench-replay-key',
      RECONCILE_INTERVAL_SECONDS: '0',
      CONSUMER_GROUP: groupId,
      TICKET_EVENTS_TOPIC: topics.tickets.name,
      USER_EVENTS_TOPIC: topics.users.name,
      USER_OPEN_TICKETS_TOPIC: topics.openTickets.name,
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
    });
    const applied = async () => {
      const { rows } = await db.query(
        `SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM "${schema}".kafka_consumer_offsets
          WHERE group_id = $1 AND topic = $2`,
        [groupId, topics.tickets.name],
      );
      return Number(rows[0].n);
    };
    // Timed from the first committed batch (the service's start-up is not replay), counting what came after it.
    let first = 0;
    while ((first = await applied()) === 0) await new Promise((r) => setTimeout(r, 20));
    started = Date.now();
    const cpuBefore = cpuSeconds(enrichment);
    let done = first;
    for (let reported = started; done < total;) {
      await new Promise((r) => setTimeout(r, 50));
      done = await applied();
      enrichment.memory();
      if (Date.now() - reported > 5_000) {
        console.log(
          `  projecting: ${count(done)} / ${count(total)} (${count((done - first) / ((Date.now() - started) / 1000))}/s)`,
        );
        reported = Date.now();
      }
    }
    const projectionSeconds = (Date.now() - started) / 1000;
    const cpuAfter = cpuSeconds(enrichment);
    const { peakRssMb } = enrichment.memory();
    await enrichment.stop();

    // 4. Exactness: the read models against a reference fold of the generated events (not the service's code).
    const { rows: ticketDiff } = await db.query(
      `WITH expected AS (
         SELECT (100000 + t)::text AS ticket_id,
                ($1::int - 1 - t) / $2::int AS last_step
           FROM generate_series(0, $2::int - 1) t WHERE t < $1::int)
       SELECT count(*)::int AS wrong FROM expected e LEFT JOIN "${schema}".tickets x USING (ticket_id)
        WHERE x.ticket_id IS NULL OR x.status <> ($3::text[])[(e.last_step % 10) + 1]`,
      [total, ticketCount, STATUSES],
    );
    const { rows: historyDiff } = await db.query(
      `WITH expected AS (
         SELECT (100000 + i % $2::int)::text AS ticket_id, (i / $2::int) AS step
           FROM generate_series(0, $1::int - 1) i)
       SELECT (SELECT count(*)::int FROM "${schema}".ticket_status_history) AS stored,
              count(*) FILTER (WHERE h.ticket_id IS NULL OR h.to_status <> ($3::text[])[(e.step % 10) + 1]
                OR h.from_status IS DISTINCT FROM CASE WHEN e.step = 0 THEN NULL ELSE ($3::text[])[((e.step - 1) % 10) + 1] END)::int AS wrong
         FROM expected e LEFT JOIN "${schema}".ticket_status_history h
           ON h.ticket_id = e.ticket_id AND h.sequence_id = e.ticket_id || '-' || e.step`,
      [total, ticketCount, STATUSES],
    );
    const { rows: stored } = await db.query(`SELECT count(*)::int AS n FROM "${schema}".tickets`);
    const wrongTickets = ticketDiff[0].wrong + Math.max(0, stored[0].n - Math.min(total, ticketCount));
    const wrongHistory = historyDiff[0].wrong + Math.max(0, historyDiff[0].stored - total);

    const measured = total - first;
    const projectionRate = measured / projectionSeconds;
    const rawRate = total / rawSeconds;
    const ratio = projectionRate / rawRate;
    const cpu = (kind: keyof typeof cpuAfter) => (cpuAfter[kind] - cpuBefore[kind]).toFixed(1);
    report(
      'replay',
      [
        `Measured ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: ${count(total)} events, ${count(ticketCount)} tickets, 6 partitions.`,
        '',
        '| reader | seconds | events/s |',
        '| --- | ---: | ---: |',
        `| baseline: raw kafkajs consume | ${rawSeconds.toFixed(1)} | ${count(rawRate)} |`,
        `| enrichment service (own process) into Postgres | ${projectionSeconds.toFixed(1)} | ${count(projectionRate)} |`,
        '',
        `**projection / raw consume: ${ratio.toFixed(3)}** (goal >= 0.3: ${ratio >= 0.3 ? 'met' : 'not met'}). ` +
          `Read models against the reference fold: ${wrongTickets} wrong tickets, ${wrongHistory} wrong transitions ` +
          `(${stored[0].n} tickets, ${historyDiff[0].stored} transitions stored). ` +
          `CPU seconds during the projection: enrichment ${cpu('enrichment')}, Postgres ${cpu('postgres')}, Kafka ${cpu('kafka')}; ` +
          `enrichment peak RSS ${peakRssMb} MB.`,
      ].join('\n'),
    );
    return wrongTickets === 0 && wrongHistory === 0;
  } finally {
    zendesk.close();
    if (!process.env['KEEP_SCHEMA'])
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end();
    await admin
      .deleteTopics({ topics: Object.values(topics).flatMap((t) => [t.name, deadLetterTopicOf(t.name)]) })
      .catch(() => undefined);
    await admin.disconnect();
    await producer.disconnect();
    await infrastructure.stop();
  }
}

runBench(main);
