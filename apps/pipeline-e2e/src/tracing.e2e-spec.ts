import { execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Topics, userUpserted } from '@ticketflow/contracts';
import { EventProducer } from '@ticketflow/kafka';
import {
  REPO_ROOT,
  collectMessages,
  createTestSchema,
  eventually,
  serviceTestEnv,
  startServiceProcess,
  testKafka,
  uniqueSuffix,
  type TestSchema,
} from '@ticketflow/testing';
import { ZENDESK_TEST_SIGNING_SECRET } from '@ticketflow/zendesk';
import { ADMIN_EMAIL, WebhookSender, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import { gatewayWebhookTargets } from '@ticketflow/gateway/testing';

jest.setTimeout(300_000);

const API_KEY = 'tracing-test-api-key';
const PORTS = { gateway: 3_911, enrichment: 3_912, alerting: 3_913 };

/** A span as the OTLP/HTTP JSON exporter sends it, with its service. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  /** Event attribute values and the status message: error text ends up there. */
  texts: string[];
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
const valueOf = (v: OtlpValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;

/** An OTLP/HTTP trace receiver (what Jaeger's collector listens for on 4318), keeping every span it is sent. */
function otlpReceiver(spans: ReceivedSpan[]): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: OtlpValue }[] };
          scopeSpans: {
            spans: {
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              attributes?: { key: string; value: OtlpValue }[];
              events?: { attributes?: { key: string; value: OtlpValue }[] }[];
              status?: { message?: string };
            }[];
          }[];
        }[];
      };
      for (const rs of request.resourceSpans) {
        const service = String(valueOf(rs.resource.attributes.find((a) => a.key === 'service.name')!.value));
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
              texts: [
                ...(s.events ?? []).flatMap((e) => (e.attributes ?? []).map((a) => String(valueOf(a.value)))),
                s.status?.message ?? '',
              ],
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

describe('tracing: one trace from a Zendesk webhook to the alert it causes, across three service processes', () => {
  const spans: ReceivedSpan[] = [];
  let receiver: Server;
  let sim: Simulator;
  let producer: EventProducer;
  const schemas: TestSchema[] = [];
  const processes: ChildProcess[] = [];
  const suffix = uniqueSuffix();
  const topics = {
    tickets: `ticket.events.v1.test-${suffix}`,
    users: `user.events.v1.test-${suffix}`,
    openTickets: `user.open-tickets.v1.test-${suffix}`,
    counts: `user.open-ticket-count.v1.test-${suffix}`,
    alerts: `user.alerts.v1.test-${suffix}`,
  };

  const start = async (app: string, port: number, env: Record<string, string>) =>
    processes.push(
      await startServiceProcess(app, port, {
        ...env,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS']!,
        LOG_LEVEL: 'warn',
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
        // Export ended spans within a fifth of a second (the default batches for 5 s).
        OTEL_BSP_SCHEDULE_DELAY: '200',
      }),
    );

  beforeAll(async () => {
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', join(REPO_ROOT, 'tsconfig.build.json')]);
    receiver = otlpReceiver(spans);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    schemas.push(await createTestSchema('trace_enrich'), await createTestSchema('trace_alert'));
    sim = await startSimulator({ tickets: 30, seed: 31, apiFaults: { errorRate: 0 } });
    await start('webhook-gateway', PORTS.gateway, {
      ZENDESK_WEBHOOK_SECRETS: ZENDESK_TEST_SIGNING_SECRET,
      TICKET_EVENTS_TOPIC: topics.tickets,
    });
    await start('enrichment', PORTS.enrichment, {
      ...serviceTestEnv({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, schemas[0]!.schema),
      ENRICHMENT_API_KEYS: API_KEY,
      RECONCILE_INTERVAL_SECONDS: '0',
      CONSUMER_GROUP: `enrichment-${suffix}`,
      TICKET_EVENTS_TOPIC: topics.tickets,
      USER_EVENTS_TOPIC: topics.users,
      USER_OPEN_TICKETS_TOPIC: topics.openTickets,
    });
    await start('alerting', PORTS.alerting, {
      DATABASE_URL: process.env['DATABASE_URL']!,
      DATABASE_SCHEMA: schemas[1]!.schema,
      ALERTING_API_KEYS: API_KEY,
      CONSUMER_GROUP: `alerting-${suffix}`,
      USER_OPEN_TICKETS_TOPIC: topics.openTickets,
      USER_OPEN_TICKET_COUNT_TOPIC: topics.counts,
      USER_ALERTS_TOPIC: topics.alerts,
    });
    sim.webhooks = new WebhookSender(
      sim.world,
      gatewayWebhookTargets(`http://127.0.0.1:${PORTS.gateway}`, ['events']),
    );
    producer = new EventProducer(testKafka('tracing-e2e'));
    await producer.connect();
  });

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(
      processes.map((child) =>
        child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
      ),
    );
    await producer?.disconnect().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await new Promise((resolve) => receiver?.close(resolve));
    for (const schema of schemas) await schema.drop().catch(() => undefined);
  });

  it('carries the webhook trace through Kafka, the projection, the open-set publisher, the decision and the alert event; no email or key in any span', async () => {
    const open = sim.truth.openTicketsByEmail();
    const requester = sim.world.directory.requesters.find((r) => !open[r.email.toLowerCase()])!;
    const userId = `u${requester.id}`;
    await producer.publish({ ...Topics.userEvents, name: topics.users }, [
      { key: userId, value: userUpserted(userId, requester.email) },
    ]);
    // Looked up by email: the query string must not reach a span.
    const lookup = await fetch(
      `http://127.0.0.1:${PORTS.enrichment}/users?email=${encodeURIComponent(requester.email)}`,
      { headers: { 'x-api-key': API_KEY } },
    );
    expect(lookup.status).toBe(200);
    // One change at a time, so each batch holds one message and continues that message's trace.
    for (let i = 0; i < 4; i++) {
      sim.world.createTicket({ requesterId: requester.id });
      await sim.webhooks!.flush();
      await new Promise((resolve) => setTimeout(resolve, 700));
    }

    const [alert] = (
      await collectMessages(
        testKafka('tracing-alerts'),
        topics.alerts,
        (m) => m.some((x) => x.key === userId),
        60_000,
      )
    ).filter((m) => m.key === userId);
    expect(JSON.parse(alert!.value)).toMatchObject({ type: 'user.threshold.exceeded', openCount: 4 });
    const [, traceId, alertSpanId] = alert!.headers['traceparent']!.split('-');

    // The chain from the alert event's publish span up to the webhook's HTTP span, every link received.
    const chain = await eventually(() => {
      const byId = new Map(spans.filter((s) => s.traceId === traceId).map((s) => [s.spanId, s]));
      const path: ReceivedSpan[] = [];
      for (let id = alertSpanId!; id;) {
        const span = byId.get(id);
        if (!span) return undefined;
        path.push(span);
        id = span.parentSpanId;
      }
      return path.at(-1)?.service === 'webhook-gateway' ? path : undefined;
    }, 30_000);
    const names = chain.map((s) => `${s.service}: ${s.name}`).reverse();
    console.log(`trace ${traceId}: ${names.join(' → ')}`);
    expect(chain.length).toBeGreaterThanOrEqual(6);
    expect(new Set(chain.map((s) => s.service))).toEqual(
      new Set(['webhook-gateway', 'enrichment', 'alerting']),
    );
    expect(names).toEqual(
      expect.arrayContaining([
        `webhook-gateway: ${topics.tickets} publish`,
        `enrichment: ${topics.tickets} process`,
        `enrichment: ${topics.openTickets} publish`,
        `alerting: ${topics.openTickets} process`,
        'alerting: alerting decide',
        `alerting: ${topics.alerts} publish`,
      ]),
    );
    // Messaging semantic conventions on the Kafka spans.
    for (const span of chain.filter((s) => / (publish|process)$/.test(s.name)))
      expect(span.attributes).toMatchObject({ 'messaging.system': 'kafka' });

    // Nothing personal or secret in any span of any service.
    const emails = new Set(sim.world.directory.requesters.map((r) => r.email.toLowerCase()));
    const leaks = spans.flatMap((s) =>
      [
        ...Object.entries(s.attributes),
        ...s.texts.map((text): [string, unknown] => ['event or status', text]),
      ]
        .filter(([, v]) => {
          const text = decodeURIComponent(String(v)).toLowerCase();
          return (
            /[^\s@/]+@[^\s@/]+\.[a-z]+/.test(text) ||
            [...emails].some((e) => text.includes(e)) ||
            text.includes(API_KEY) ||
            text.includes(sim.apiToken)
          );
        })
        .map(([k, v]) => `${s.service} ${s.name} ${k}=${String(v)}`),
    );
    expect(leaks).toEqual([]);

    // Each service's resident memory after the run, for the chart's requests and limits.
    const rss: Record<string, number> = {};
    for (const [service, port] of Object.entries(PORTS)) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      rss[service] = Math.round(Number(/^process_resident_memory_bytes\S* (\d+)/m.exec(text)![1]) / 1e6);
    }
    console.log(`resident memory (MB): ${JSON.stringify(rss)}`);
    expect(
      spans.some((s) =>
        String(s.attributes['url.query'] ?? s.attributes['http.target'] ?? '').includes('email'),
      ),
    ).toBe(true);
  });
});
