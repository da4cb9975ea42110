import type { INestApplication } from '@nestjs/common';
import { collectMessages, ownKafka } from '@ticketflow/testing';
import { createKafka } from '@ticketflow/kafka';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  ZENDESK_TEST_SIGNING_SECRET,
  signWebhook,
} from '@ticketflow/zendesk';
import { World, eventWebhooks } from '@ticketflow/zendesk-simulator';
import { createGatewayApp } from './gateway.service';
import { gatewayConfig, listen } from './testing';

jest.setTimeout(180_000);

/**
 * Kafka stops while webhooks keep arriving. Every webhook answered 2xx must be in Kafka afterwards; every other
 * one must have been answered 5xx (so Zendesk retries it). Nothing acknowledged is lost, and the gateway stays
 * ready throughout: it answers for itself.
 */
describe('webhook-gateway when Kafka goes away mid-stream', () => {
  const broker = ownKafka(29_092);
  let app: INestApplication;

  beforeAll(async () => {
    await broker.destroy();
    await broker.start();
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await broker.destroy();
  });

  it('acknowledges only what Kafka acknowledged', async () => {
    const config = gatewayConfig({ KAFKA_BROKERS: broker.brokers, PRODUCE_TIMEOUT_MS: '3000' });
    ({ app } = await createGatewayApp(config));
    const base = await listen(app);
    const url = `${base}/webhooks/zendesk/events`;
    const ready = () =>
      fetch(`${base}/health/ready`).then(async (r) => ({ status: r.status, body: await r.json() }));
    const world = new World({ tickets: 50 });
    const answers = new Map<string, number>();

    let phase: 'before' | 'down' | 'after' = 'before';
    const counts = { before: 0, down: 0, after: 0 };
    const send = async () => {
      const requester = world.directory.requesters[counts[phase] % world.directory.requesters.length]!;
      const [envelope] = eventWebhooks(world.createTicket({ requesterId: requester.id }), world);
      const body = JSON.stringify(envelope);
      const timestamp = new Date().toISOString();
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(ZENDESK_TEST_SIGNING_SECRET, timestamp, body),
          [SIGNATURE_TIMESTAMP_HEADER]: timestamp,
        },
        body,
      });
      await response.arrayBuffer();
      answers.set(envelope!.id, response.status);
      counts[phase]++;
    };
    const sendFor = async (ms: number) => {
      const until = Date.now() + ms;
      // Four concurrent senders, like Zendesk's parallel deliveries.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (Date.now() < until) await send();
        }),
      );
    };

    await sendFor(2_000);
    const stopping = broker.stop();
    await sendFor(2_000);
    await stopping;
    phase = 'down';
    await ready(); // starts a Kafka probe in the background
    await sendFor(6_000);
    // Still ready: the ingress must keep routing webhooks here, to be answered 503 + Retry-After.
    expect(await ready()).toEqual({ status: 200, body: { status: 'ok', kafka: 'down' } });
    phase = 'after';
    await broker.start();
    await sendFor(4_000);

    const statuses = [...answers.values()];
    const acknowledged = [...answers].filter(([, status]) => status === 200).map(([id]) => id);
    const refused = statuses.filter((status) => status !== 200);
    console.log(
      `webhooks: ${answers.size} sent, ${acknowledged.length} answered 200, ${refused.length} answered 5xx (before ${counts.before}, down ${counts.down}, after ${counts.after})`,
    );

    expect(refused.every((status) => status >= 500)).toBe(true);
    expect(refused.length).toBeGreaterThan(0); // the outage was observed
    expect(statuses.slice(-10).every((status) => status === 200)).toBe(true); // and recovered from

    const kafka = createKafka({ brokers: [broker.brokers], clientId: 'outage-check' });
    const wanted = new Set(acknowledged);
    const messages = await collectMessages(
      kafka,
      config.TICKET_EVENTS_TOPIC,
      (read) => {
        const ids = new Set(read.map((m) => JSON.parse(m.value).eventId as string));
        return [...wanted].every((id) => ids.has(id));
      },
      60_000,
    );
    const inKafka = new Set(messages.map((m) => JSON.parse(m.value).eventId as string));
    expect(acknowledged.filter((id) => !inKafka.has(id))).toEqual([]);
  });
});
