// Latency from the webhook of a user's 4th open ticket to the user.threshold.exceeded event on Kafka:
// simulator → gateway → Kafka → enrichment → Postgres → outbox → Kafka → alerting → Postgres → outbox → Kafka.
// Baseline in the same run: one Kafka hop (produce with acks=all → a consumer in another group receives it).
//   npx tsx bench/alerting-latency.bench.ts [users=30]
import 'reflect-metadata';
import { Topics, userUpserted } from '@ticketflow/contracts';
import { EventProducer, createKafka, ensureTopics } from '@ticketflow/kafka';
import { ADMIN_EMAIL, WebhookSender, startSimulator } from '@ticketflow/zendesk-simulator';
import { createGatewayApp } from '@ticketflow/gateway';
import { gatewayConfig, gatewayWebhookTargets, listen } from '@ticketflow/gateway/testing';
import { createEnrichmentApp } from '@ticketflow/enrichment';
import { enrichmentConfig } from '@ticketflow/enrichment/testing';
import { createAlertingApp } from '@ticketflow/alerting';
import { AlertingEnv } from '@ticketflow/alerting';
import { benchInfrastructure, percentile, runBench } from './harness';

const users = Number(process.argv[2] ?? 30);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const infrastructure = await benchInfrastructure();
  const run = Date.now().toString(36);
  const sim = await startSimulator({ tickets: 50, seed: 2, apiFaults: { errorRate: 0 } });
  const enrichment = enrichmentConfig(
    { url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken },
    `bench_en_${run}`,
    { LOG_LEVEL: 'error' },
  );
  const { app: gateway } = await createGatewayApp(
    gatewayConfig({ TICKET_EVENTS_TOPIC: enrichment.TICKET_EVENTS_TOPIC, LOG_LEVEL: 'error' }),
  );
  const gatewayUrl = await listen(gateway);
  const en = await createEnrichmentApp(enrichment);
  const alertsTopic = `bench.alerts.${run}`;
  const al = await createAlertingApp(
    AlertingEnv.parse({
      ...process.env,
      PORT: '0',
      DATABASE_SCHEMA: `bench_al_${run}`,
      ALERTING_API_KEYS: 'bench-api-key-1',
      CONSUMER_GROUP: `bench-alerting-${run}`,
      USER_OPEN_TICKETS_TOPIC: enrichment.USER_OPEN_TICKETS_TOPIC,
      USER_OPEN_TICKET_COUNT_TOPIC: `bench.counts.${run}`,
      USER_ALERTS_TOPIC: alertsTopic,
      LOG_LEVEL: 'error',
    }),
  );
  sim.webhooks = new WebhookSender(sim.world, gatewayWebhookTargets(gatewayUrl, ['events']));

  const kafka = createKafka({ brokers: [process.env['KAFKA_BROKERS']!], clientId: 'bench-alerting' });
  const producer = new EventProducer(kafka);
  await producer.connect();
  const requesters = sim.world.directory.requesters.slice(0, users);
  const userEvents = requesters.map((r) => userUpserted(`u${r.id}`, r.email));
  await producer.publish(
    en.runtime.topics.users,
    userEvents.map((value) => ({ key: value.userId, value })),
  );

  // Alerts as they arrive.
  const arrived = new Map<string, number>();
  const reader = kafka.consumer({ groupId: `bench-alert-reader-${run}`, maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic: alertsTopic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => void arrived.set(message.key!.toString(), Date.now()),
  });

  // Where the time goes: when enrichment's summary with 4 open tickets reached Kafka.
  const summaryArrived = new Map<string, number>();
  const summaryReader = kafka.consumer({ groupId: `bench-summary-reader-${run}`, maxWaitTimeInMs: 50 });
  await summaryReader.connect();
  await summaryReader.subscribe({ topic: enrichment.USER_OPEN_TICKETS_TOPIC, fromBeginning: true });
  await summaryReader.run({
    eachMessage: async ({ message }) => {
      const value = JSON.parse(message.value!.toString()) as { openCount: number };
      if (value.openCount === 4 && !summaryArrived.has(message.key!.toString()))
        summaryArrived.set(message.key!.toString(), Date.now());
    },
  });
  await sleep(3_000);
  const latencies: number[] = [];
  const toSummary: number[] = [];
  for (const requester of requesters) {
    const open = sim.truth.openTicketsByEmail()[requester.email.toLowerCase()]?.length ?? 0;
    if (open > 3) continue;
    for (let i = open; i < 3; i++) sim.world.createTicket({ requesterId: requester.id });
    await sim.webhooks.flush();
    await sleep(300);
    const fourthAt = Date.now();
    sim.world.createTicket({ requesterId: requester.id });
    const deadline = Date.now() + 15_000;
    while (!arrived.has(`u${requester.id}`) && Date.now() < deadline) await sleep(2);
    if (arrived.has(`u${requester.id}`)) {
      latencies.push(arrived.get(`u${requester.id}`)! - fourthAt);
      toSummary.push((summaryArrived.get(`u${requester.id}`) ?? NaN) - fourthAt);
    }
  }

  // Baseline: one Kafka hop, measured the same way.
  const hopTopic = { ...Topics.userAlerts, name: `bench.hop.${run}` };
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [hopTopic]);
  const hopArrived = new Map<string, number>();
  const hopReader = kafka.consumer({ groupId: `bench-hop-${run}`, maxWaitTimeInMs: 50 });
  await hopReader.connect();
  await hopReader.subscribe({ topic: hopTopic.name, fromBeginning: true });
  await hopReader.run({
    eachMessage: async ({ message }) => void hopArrived.set(message.key!.toString(), Date.now()),
  });
  await sleep(3_000);
  const hops: number[] = [];
  for (let i = 0; i < latencies.length; i++) {
    const sent = Date.now();
    await producer.sendRaw(hopTopic.name, [{ key: `k${i}`, value: '{}', headers: {} }]);
    while (!hopArrived.has(`k${i}`)) await sleep(1);
    hops.push(hopArrived.get(`k${i}`)! - sent);
  }

  const a = [...latencies].sort((x, y) => x - y);
  const h = [...hops].sort((x, y) => x - y);
  console.log(
    `\n4th open ticket's webhook → user.threshold.exceeded on Kafka, ${a.length} users, Node ${process.version}`,
  );
  console.log('| path | samples | p50 ms | p99 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(
    `| baseline: one Kafka hop (produce acks=all → consume) | ${h.length} | ${percentile(h, 50)} | ${percentile(h, 99)} | ${h.at(-1)} |`,
  );
  const m = [...toSummary].sort((x, y) => x - y);
  console.log(
    `| of which: webhook → enrichment's user.open-tickets event | ${m.length} | ${percentile(m, 50)} | ${percentile(m, 99)} | ${m.at(-1)} |`,
  );
  console.log(
    `| webhook → gateway → enrichment → alerting → alert event | ${a.length} | ${percentile(a, 50)} | ${percentile(a, 99)} | ${a.at(-1)} |`,
  );

  await reader.disconnect();
  await summaryReader.disconnect();
  await hopReader.disconnect();
  await admin.disconnect();
  await producer.disconnect();
  await sim.close();
  await gateway.close();
  await en.app.close();
  await al.app.close();
  await infrastructure.stop();
}

runBench(main);
