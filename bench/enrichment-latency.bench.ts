// Webhook-to-queryable latency at a steady rate: simulator → gateway → Kafka → enrichment → Postgres, all on this
// machine. For each ticket change: from the moment Zendesk (the simulator) made it and sent its webhook, to the
// moment the read model committed it (Postgres NOTIFY). Beside it, in the same run, the gateway's own answer time
// (webhook in → Kafka acknowledged), the floor the pipeline adds to.
//   npx tsx bench/enrichment-latency.bench.ts [ratePerSecond=20] [seconds=30]
import 'reflect-metadata';
import { Client } from 'pg';
import { ADMIN_EMAIL, WebhookSender, startSimulator } from '@ticketflow/zendesk-simulator';
import { createGatewayApp } from '@ticketflow/gateway';
import { gatewayConfig, gatewayWebhookTargets, listen } from '@ticketflow/gateway/testing';
import { createEnrichmentApp } from '@ticketflow/enrichment';
import { enrichmentConfig } from '@ticketflow/enrichment/testing';
import { benchInfrastructure, percentile, runBench } from './harness';

const rate = Number(process.argv[2] ?? 20);
const seconds = Number(process.argv[3] ?? 30);

async function main() {
  const infrastructure = await benchInfrastructure();
  const schema = `bench_latency_${Date.now().toString(36)}`;

  const sim = await startSimulator({ tickets: 2_000, seed: 4, apiFaults: { errorRate: 0 } });
  const config = enrichmentConfig({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, schema, {
    LOG_LEVEL: 'error',
  });
  const { app: gateway } = await createGatewayApp(
    gatewayConfig({ TICKET_EVENTS_TOPIC: config.TICKET_EVENTS_TOPIC, LOG_LEVEL: 'error' }),
  );
  const gatewayUrl = await listen(gateway);
  const { app } = await createEnrichmentApp(config);
  await listen(app);
  sim.webhooks = new WebhookSender(sim.world, gatewayWebhookTargets(gatewayUrl, ['events']));

  // When each ticket was last changed in "Zendesk", and when the read model committed it.
  const changedAt = new Map<string, number>();
  sim.world.onUpdate((update) => changedAt.set(String(update.ticketId), Date.now()));
  const latencies: number[] = [];
  const listener = new Client({ connectionString: process.env['DATABASE_URL'] });
  await listener.connect();
  listener.on('notification', (message) => {
    const now = Date.now();
    for (const id of JSON.parse(message.payload ?? '[]') as string[]) {
      const at = changedAt.get(id);
      if (at !== undefined) {
        latencies.push(now - at);
        changedAt.delete(id);
      }
    }
  });
  await listener.query('LISTEN ticket_changes');

  sim.runScenario({ ratePerSecond: rate, actions: rate * seconds, seed: 8 });
  await sim.scenario!.done;
  await sim.webhooks.flush();
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `\nwebhook → queryable, ${rate} ticket changes/s for ${seconds} s (${sim.webhooks.deliveries.length} webhooks), Node ${process.version}`,
  );
  console.log('| measure | changes | p50 ms | p99 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(
    `| change → committed in read model | ${sorted.length} | ${percentile(sorted, 50)} | ${percentile(sorted, 99)} | ${sorted.at(-1)} |`,
  );
  const gatewayMetrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const produce = gatewayMetrics.match(/kafka_produce_duration_seconds_sum\{[^}]*\} ([\d.e-]+)/)?.[1];
  const produceCount = gatewayMetrics.match(/kafka_produce_duration_seconds_count\{[^}]*\} (\d+)/)?.[1];
  if (produce && produceCount)
    console.log(
      `gateway produce to Kafka ack (baseline component): mean ${((Number(produce) / Number(produceCount)) * 1000).toFixed(1)} ms over ${produceCount} webhooks`,
    );

  await listener.end();
  await sim.close();
  await gateway.close();
  await app.close();
  const cleanup = new Client({ connectionString: process.env['DATABASE_URL'] });
  await cleanup.connect();
  await cleanup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await cleanup.end();
  await infrastructure.stop();
}

runBench(main);
