// Sustained webhooks per second with p50/p99 latency: webhook-gateway beside a minimal node:http receiver doing
// the same signature check and Kafka produce (acks=all), against the same broker, in the same run.
//   npx tsx bench/webhook-gateway.bench.ts [seconds=15] [connections=16]
// Both servers run as child processes; the load generator (autocannon) runs here and pre-signs every request.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, ensureTopics } from '@ticketflow/kafka';
import { Topics } from '@ticketflow/contracts';
import { serviceArgs, startKafka } from '@ticketflow/testing';
import { report, runBench } from './harness';
import { buildServices } from './processes';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  ZENDESK_TEST_SIGNING_SECRET,
  signWebhook,
} from '@ticketflow/zendesk';
import { World, eventWebhooks } from '@ticketflow/zendesk-simulator';

const ROOT = join(__dirname, '..');
const seconds = Number(process.argv[2] ?? 15);
const connections = Number(process.argv[3] ?? 16);

/** Resolves once the URL answers 2xx; fails if the child exits first or 60 s pass. */
async function waitUntilServing(child: ChildProcess, url: string): Promise<void> {
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`server exited with ${exited}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

/** Real Zendesk event bodies (ticket.created), each with its own event id, signed at send time. */
function requestFactory() {
  const world = new World({ tickets: 100, seed: 1 });
  const template = eventWebhooks(
    world.createTicket({ requesterId: world.directory.requesters[0]!.id }),
    world,
  )[0]!;
  let n = 0;
  return () => {
    n++;
    const ticketId = String(100_000 + (n % 5_000));
    const body = JSON.stringify({
      ...template,
      id: randomUUID(),
      subject: `zen:ticket:${ticketId}`,
      detail: { ...template.detail, id: ticketId },
    });
    const timestamp = new Date().toISOString();
    return {
      method: 'POST' as const,
      body,
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(ZENDESK_TEST_SIGNING_SECRET, timestamp, body),
        [SIGNATURE_TIMESTAMP_HEADER]: timestamp,
      },
    };
  };
}

async function load(name: string, url: string) {
  const next = requestFactory();
  // Warm-up: connections, JIT, producer metadata.
  const warmUp = await autocannon({
    url,
    connections,
    duration: 3,
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
  });
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return {
    name,
    /** Every request answered 2xx, warm-up included: each must be one record on the topic. */
    accepted: warmUp['2xx'] + result['2xx'],
    /** Requests sent but unanswered when a phase ended: the receiver may or may not have produced them. */
    cut: [warmUp, result].reduce((sum, r) => sum + r.requests.sent - r.requests.total - r.errors, 0),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx,
  };
}

async function main() {
  const started = process.env['KAFKA_BROKERS'] ? null : await startKafka();
  const brokers = process.env['KAFKA_BROKERS'] ?? started!.url;
  const suffix = randomUUID().slice(0, 8);
  const gatewayTopic = `bench.gateway.${suffix}`;
  const baselineTopic = `bench.baseline.${suffix}`;
  const admin = createKafka({ brokers: [brokers], clientId: 'bench' }).admin();
  const records = async (topic: string) =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  await admin.connect();
  await ensureTopics(
    admin,
    [gatewayTopic, baselineTopic].map((name) => ({ ...Topics.ticketEvents, name })),
  );

  buildServices();
  const env = {
    ...process.env,
    KAFKA_BROKERS: brokers,
    ZENDESK_WEBHOOK_SECRETS: ZENDESK_TEST_SIGNING_SECRET,
    LOG_LEVEL: 'error',
    OTEL_SDK_DISABLED: 'true',
  };
  const stdio = ['ignore', 'ignore', 'inherit'] as const;
  const gateway = spawn(process.execPath, serviceArgs('webhook-gateway'), {
    cwd: ROOT,
    env: { ...env, PORT: '4101', TICKET_EVENTS_TOPIC: gatewayTopic },
    stdio: [...stdio],
  });
  const baseline = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(__dirname, 'baseline-webhook-server.ts')],
    {
      cwd: ROOT,
      env: { ...env, PORT: '4102', TOPIC: baselineTopic },
      stdio: [...stdio],
    },
  );
  try {
    await Promise.all([
      waitUntilServing(gateway, 'http://127.0.0.1:4101/health/live'),
      waitUntilServing(baseline, 'http://127.0.0.1:4102/health'),
    ]);
    const results = [];
    results.push(await load('baseline: node:http + verify + produce', 'http://127.0.0.1:4102/'));
    results.push(await load('webhook-gateway', 'http://127.0.0.1:4101/webhooks/zendesk/events'));
    const stored = [await records(baselineTopic), await records(gatewayTopic)];
    const ratio = results[1]!.rps / results[0]!.rps;
    // Each 2xx is a record; beyond them, at most the requests cut off unanswered at the end of a phase.
    const exact = results.every((r, i) => stored[i]! >= r.accepted && stored[i]! <= r.accepted + r.cut);
    report(
      'gateway',
      [
        `Measured ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: ${seconds} s (after 3 s warm-up) at ${connections} connections, each receiver in its own process.`,
        '',
        '| receiver | webhooks/s | p50 ms | p99 ms | requests | non-2xx | 2xx answers | records on its topic |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...results.map(
          (r, i) =>
            `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.non2xx} | ${r.accepted} | ${stored[i]} |`,
        ),
        '',
        `**gateway / baseline throughput: ${ratio.toFixed(2)}** (goal >= 0.95: ${ratio >= 0.95 ? 'met' : 'not met'}). ` +
          `Every 2xx answer is a record on the topic, and the only other records are of requests cut off unanswered ` +
          `when a phase ended (${results.map((r) => r.cut).join(' and ')}): ${exact ? 'yes' : 'NO'} (warm-up included).`,
      ].join('\n'),
    );
    return exact;
  } finally {
    gateway.kill('SIGTERM');
    baseline.kill('SIGTERM');
    await admin.deleteTopics({ topics: [gatewayTopic, baselineTopic] }).catch(() => undefined);
    await admin.disconnect();
    await started?.stop();
  }
}

runBench(main);
