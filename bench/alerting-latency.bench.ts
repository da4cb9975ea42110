// Alert latency (issue 13, goal 2): from the webhook of a user's 4th open ticket to user.threshold.exceeded on
// Kafka: simulator → gateway → Kafka → enrichment (projection, outbox relay) → Kafka → alerting (decision, outbox
// relay) → Kafka, each service its own built process, the simulator in this process. Reconciliation is off, so a
// user's count in the read model is exactly the tickets this benchmark created for them: each sample user first gets
// 3 open tickets (several users at a time) and is ready once alerting's count topic says 3; then each user's 4th
// ticket is created and timed alone, nothing else in flight. Also timed: the intermediate hop (enrichment's
// user.open-tickets with openCount 4). Baseline in the same run: one Kafka hop.
//   npx tsx bench/alerting-latency.bench.ts [samples=200] [tickets=max(400, 3 x (samples + 1))]
import 'reflect-metadata';
import { Topics, userUpserted } from '@ticketflow/contracts';
import { EventProducer } from '@ticketflow/kafka';
import { gatewayWebhookTargets } from '@ticketflow/gateway/testing';
import { WebhookSender, startSimulator } from '@ticketflow/zendesk-simulator';
import { Pool } from 'pg';
import { report, runBench } from './harness';
import {
  Arrivals,
  BenchRun,
  benchFrame,
  kafkaHop,
  latencyRow,
  measuredOn,
  percentileOf,
  startPipeline,
  until,
  verdict,
} from './pipeline';

const samples = Number(process.argv[2] ?? 200);
// One requester per sample and one for the warm-up; the world has a requester per 3 tickets.
const tickets = Number(process.argv[3] ?? Math.max(400, 3 * (samples + 1)));
const WAVE = 20;
const GOAL = { p99Ms: 100, samples: 200 };

async function measure(run: BenchRun): Promise<boolean> {
  const sim = await startSimulator({ tickets, seed: 2, apiFaults: { errorRate: 0 } });
  run.defer(() => sim.close());
  const requesters = sim.world.directory.requesters;
  if (requesters.length < samples + 1)
    throw new Error(`${tickets} tickets give ${requesters.length} requesters; ${samples + 1} are needed`);
  const pipeline = await startPipeline(run, sim, 3103);
  sim.webhooks = new WebhookSender(sim.world, gatewayWebhookTargets(pipeline.gateway.url, ['events']));
  const [warmUp, ...users] = requesters.slice(0, samples + 1).map((r) => ({ id: r.id, userId: `u${r.id}` }));

  // What reached Kafka, per user: alerting's count of 3 (ready), enrichment's open set of 4, the alert.
  const ready = new Arrivals();
  const openSetOf4 = new Arrivals();
  const alerted = new Arrivals();
  const reader = run.kafka.consumer({ groupId: run.unique('reader'), maxWaitTimeInMs: 100 });
  run.defer(() => reader.disconnect());
  await reader.connect();
  const joined = new Promise((resolve) => reader.on(reader.events.GROUP_JOIN, resolve));
  const { openTickets, counts, alerts } = pipeline.topics;
  await reader.subscribe({ topics: [openTickets, counts, alerts], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      const at = performance.now();
      const value = JSON.parse(message.value!.toString()) as {
        userId: string;
        openCount?: number;
        type: string;
      };
      if (topic === counts && value.openCount === 3) ready.record(value.userId, at);
      if (topic === openTickets && value.openCount === 4) openSetOf4.record(value.userId, at);
      if (topic === alerts && value.type === 'user.threshold.exceeded') alerted.record(value.userId, at);
    },
  });
  await joined;

  const producer = new EventProducer(run.kafka);
  await producer.connect();
  const userEvents = [warmUp!, ...users].map((u) =>
    userUpserted(u.userId, requesters.find((r) => r.id === u.id)!.email),
  );
  await producer.publish(
    { ...Topics.userEvents, name: pipeline.topics.users },
    userEvents.map((value) => ({ key: value.userId, value })),
  );
  await producer.disconnect();
  const db = new Pool({ connectionString: process.env['DATABASE_URL'], max: 1 });
  run.defer(() => db.end());
  await until(
    'enrichment stored the company users',
    async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${pipeline.enrichment.schema}".company_users`,
        )
      ).rows[0]!.n === userEvents.length,
    60_000,
  );

  /** Three open tickets the whole pipeline has seen; false if alerting never counted 3. */
  const prepare = async (wave: typeof users) => {
    for (const user of wave) for (let i = 0; i < 3; i++) sim.world.createTicket({ requesterId: user.id });
    return Promise.all(wave.map(async (user) => (await ready.wait(user.userId, 60_000)) !== undefined));
  };
  /** The 4th ticket, alone: its webhook leaves now; resolves with the arrivals measured from this moment. */
  const fourth = async (user: (typeof users)[number]) => {
    const start = performance.now();
    sim.world.createTicket({ requesterId: user.id });
    const alert = await alerted.wait(user.userId, 15_000);
    // Recorded on arrival; read a moment later in case both came in one fetch, the alert's partition first.
    const openSet = await openSetOf4.wait(user.userId, alert === undefined ? 0 : 1_000);
    return {
      alert: alert === undefined ? undefined : alert - start,
      openSet: openSet === undefined ? undefined : openSet - start,
    };
  };

  // Warm-up (not measured): the alert path's first decision, outbox rows and sends.
  if (!(await prepare([warmUp!]))[0] || (await fourth(warmUp!)).alert === undefined)
    throw new Error('the warm-up user never got an alert');

  const toAlert: number[] = [];
  const toOpenSet: number[] = [];
  const openSetToAlert: number[] = [];
  let notReady = 0;
  let noAlert = 0;
  for (let i = 0; i < users.length; i += WAVE) {
    const wave = users.slice(i, i + WAVE);
    const prepared = await prepare(wave);
    for (const [j, user] of wave.entries()) {
      if (!prepared[j]) {
        notReady++;
        continue;
      }
      const { alert, openSet } = await fourth(user);
      if (alert === undefined) {
        noAlert++;
        continue;
      }
      toAlert.push(alert);
      if (openSet !== undefined) {
        toOpenSet.push(openSet);
        openSetToAlert.push(alert - openSet);
      }
    }
    console.log(`[${Math.min(i + WAVE, users.length)}/${users.length}] samples finished: ${toAlert.length}`);
  }
  await sim.webhooks.flush();

  const hops = await kafkaHop(run, Math.max(samples, 50));
  const p99 = percentileOf(toAlert, 99);
  report(
    'alerting',
    [
      `Measured ${measuredOn()}: \`${samples}\`, a world of ${tickets} tickets (${requesters.length} requesters), ` +
        `reconciliation and tracing off. Started ${users.length} samples, finished ${toAlert.length}` +
        ` (never counted 3: ${notReady}; no alert within 15 s: ${noAlert}); users prepared ${WAVE} at a time, ` +
        `each 4th ticket timed alone.`,
      '',
      '| path | samples | p50 ms | p99 ms | max ms |',
      '| --- | ---: | ---: | ---: | ---: |',
      latencyRow('baseline: one Kafka hop (produce acks=all → consume)', hops),
      latencyRow("of which: webhook → enrichment's user.open-tickets (openCount 4)", toOpenSet),
      latencyRow('of which: user.open-tickets → alert event (alerting)', openSetToAlert),
      latencyRow('webhook → gateway → enrichment → alerting → alert event', toAlert),
      '',
      '| goal | measured | target | verdict |',
      '| --- | ---: | ---: | --- |',
      `| 4th open ticket's webhook → user.threshold.exceeded, p99 | ${Number.isFinite(p99) ? p99.toFixed(1) : '—'} ms over ${toAlert.length} samples | < ${GOAL.p99Ms} ms over ≥ ${GOAL.samples} | ${verdict(p99 < GOAL.p99Ms && toAlert.length >= GOAL.samples)} |`,
    ].join('\n'),
  );
  const memory = pipeline.services.map((s) => `${s.name} ${s.memory().peakRssMb} MB`).join(', ');
  console.log(`peak RSS: ${memory}`);
  if (toAlert.length < users.length) console.error(`${users.length - toAlert.length} samples did not finish`);
  return toAlert.length === users.length;
}

runBench(() => benchFrame('alert', measure));
