import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { INestApplication } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { Topics, type TicketEvent } from '@ticketflow/contracts';
import { ensureTopics } from '@ticketflow/kafka';
import { collectMessages, eventually, testKafka } from '@ticketflow/testing';
import {
  IGNORED_TYPE_LABELS,
  RECOMMENDED_TRIGGER_BODY,
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  ZENDESK_TEST_SIGNING_SECRET,
  signWebhook,
} from '@ticketflow/zendesk';
import {
  eventWebhooks,
  renderTriggerTemplate,
  startSimulator,
  type Simulator,
} from '@ticketflow/zendesk-simulator';
import { createGatewayApp } from './gateway.service';
import type { GatewayConfig } from './gateway.config';
import { gatewayConfig, gatewayWebhookTargets, listen } from './testing';

// A tracer provider as the OTel SDK would register it, so the test can see spans and propagated context.
const spans = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
);

const signedPost = (
  url: string,
  body: string,
  secret = ZENDESK_TEST_SIGNING_SECRET,
  timestamp = new Date().toISOString(),
) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
      [SIGNATURE_TIMESTAMP_HEADER]: timestamp,
    },
    body,
  });

describe('webhook-gateway against the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let config: GatewayConfig;
  let app: INestApplication;
  let url: string;
  let sim: Simulator;

  beforeAll(async () => {
    kafka = testKafka('gateway-int-spec');
    admin = kafka.admin();
    await admin.connect();
    config = gatewayConfig();
    ({ app } = await createGatewayApp(config));
    url = await listen(app);
    sim = await startSimulator({
      tickets: 30,
      apiFaults: { errorRate: 0 },
      webhooks: {
        targets: gatewayWebhookTargets(url),
      },
    });
  });

  afterAll(async () => {
    await sim.close();
    await app.close();
    await admin.disconnect();
  });

  it("produces every simulator webhook to Kafka, keyed by ticket id, with the gateway span's trace context", async () => {
    const requester = sim.world.directory.requesters[0]!;
    const { ticketId } = sim.world.createTicket({ requesterId: requester.id });
    sim.world.updateTicket(ticketId, { status: 'open', assigneeId: sim.world.directory.agents[0]!.id });
    sim.world.updateTicket(ticketId, { status: 'solved' });
    await sim.webhooks!.flush();
    const delivered = sim.webhooks!.deliveries.filter((d) => d.outcome === 'delivered');
    expect(delivered.length).toBe(sim.webhooks!.deliveries.length);
    const eventIds = new Set(delivered.filter((d) => d.eventId).map((d) => d.eventId!));

    const messages = await collectMessages(
      kafka,
      config.TICKET_EVENTS_TOPIC,
      (m) => m.length >= delivered.length,
    );
    const events = messages.map((m) => JSON.parse(m.value) as TicketEvent);
    expect(messages.every((m) => m.key === String(ticketId))).toBe(true);
    expect(new Set(events.filter((e) => e.source === 'zendesk-event-webhook').map((e) => e.eventId))).toEqual(
      eventIds,
    );
    const triggers = events.filter((e) => e.source === 'zendesk-trigger-webhook');
    expect(triggers.map((e) => e.ticket.status)).toEqual(['new', 'open', 'solved']);
    expect(triggers.every((e) => e.ticket.requesterEmail === requester.email)).toBe(true);

    const webhookSpans = spans.getFinishedSpans().filter((s) => s.name.startsWith('zendesk webhook'));
    const traceIds = new Set(webhookSpans.map((s) => s.spanContext().traceId));
    for (const message of messages) {
      expect(message.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(traceIds).toContain(message.headers['traceparent']!.split('-')[1]);
      expect(message.headers['event-type']).toBe(JSON.parse(message.value).type);
    }
  });

  it('rejects bad input with a clear status and reason, ignores unknown event types, never crashes', async () => {
    const events = `${url}/webhooks/zendesk/events`;
    const body = JSON.stringify({
      id: 'x',
      type: 'zen:event-type:user.active_changed',
      time: new Date().toISOString(),
      detail: {},
      event: {},
    });

    const unsigned = await fetch(events, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ reason: 'missing-signature' });
    expect((await signedPost(events, body, 'a-wrong-secret-123')).status).toBe(401);
    const stale = await signedPost(
      events,
      body,
      ZENDESK_TEST_SIGNING_SECRET,
      new Date(Date.now() - 10 * 60_000).toISOString(),
    );
    expect(await stale.json()).toMatchObject({ reason: 'stale-timestamp' });

    const ignored = await signedPost(events, body);
    expect(ignored.status).toBe(200);
    expect(await ignored.json()).toMatchObject({ status: 'ignored' });

    const malformed = await signedPost(events, '{"id": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ reason: 'invalid-json' });

    const wrongShape = await signedPost(
      events,
      JSON.stringify({
        id: 'e1',
        type: 'zen:event-type:ticket.created',
        time: new Date().toISOString(),
        detail: { id: 'abc' },
      }),
    );
    expect(wrongShape.status).toBe(400);
    expect(await wrongShape.json()).toMatchObject({
      reason: 'invalid-payload',
      detail: expect.stringContaining('detail'),
    });

    const hugeBody = JSON.stringify({ padding: 'x'.repeat(config.WEBHOOK_MAX_BYTES) });
    // Headers first: an unsigned body is refused for its signature whatever its size, before it is read.
    const hugeUnsigned = await fetch(events, { method: 'POST', body: hugeBody });
    expect(hugeUnsigned.status).toBe(401);
    expect(hugeUnsigned.headers.get('connection')).toBe('close');
    expect(await hugeUnsigned.json()).toMatchObject({ reason: 'missing-signature' });
    const huge = await signedPost(events, hugeBody);
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: 'payload-too-large', reason: 'payload-too-large' });
    // Answered before the body was read: a kept-alive connection would take its rest for the next webhook.
    expect(huge.headers.get('connection')).toBe('close');

    const badTrigger = await signedPost(
      `${url}/webhooks/zendesk/trigger`,
      JSON.stringify({ ticket_id: '1', status: 'Open' }),
    );
    expect(badTrigger.status).toBe(400);
    expect(((await badTrigger.json()) as { detail: string }).detail).toContain('requester_email');

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/webhooks_rejected_total\{[^}]*reason="missing-signature"[^}]*\} 2/);
    expect(metrics).toMatch(/webhooks_rejected_total\{[^}]*reason="payload-too-large"[^}]*\} 1/);
    expect(metrics).toMatch(/webhooks_ignored_total\{[^}]*type="zen:event-type:user\.\*"[^}]*\} 1/);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${url}/openapi.json`)).json()).toMatchObject({
      paths: { '/webhooks/zendesk/events': expect.anything() },
    });
  });

  it('counts ignored types under a closed set of labels: /metrics does not grow with signed payload text', async () => {
    const own = gatewayConfig();
    const { app: gateway } = await createGatewayApp(own);
    const gatewayUrl = await listen(gateway);
    try {
      const answers: string[] = [];
      // 40 distinct types of 250 KB each, as the 400 that made /metrics 100 MB.
      for (let i = 0; i < 40; i++) {
        const domain = ['user', 'organization', 'no-such-domain', ''][i % 4];
        const type = `zen:event-type:${domain}.${i}-${'x'.repeat(250_000)}`;
        const response = await signedPost(
          `${gatewayUrl}/webhooks/zendesk/events`,
          JSON.stringify({ id: `huge-${i}`, type, time: new Date().toISOString(), detail: {}, event: {} }),
        );
        expect(response.status).toBe(200);
        answers.push(await response.text());
      }
      // The answer names the type, cut: never the 250 KB back.
      expect(Math.max(...answers.map((a) => a.length))).toBeLessThan(1_000);
      expect(JSON.parse(answers[0]!)).toMatchObject({
        status: 'ignored',
        type: expect.stringMatching(/^zen:event-type:user\.0-x+… \(250022 characters\)$/),
      });

      const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
      expect(metrics.length).toBeLessThan(200_000);
      const labels = [...metrics.matchAll(/^webhooks_ignored_total\{[^}]*type="([^"]*)"[^}]*\} (\d+)$/gm)];
      expect(Object.fromEntries(labels.map(([, label, count]) => [label, Number(count)]))).toEqual({
        'zen:event-type:user.*': 10,
        'zen:event-type:organization.*': 10,
        other: 20,
      });
      for (const [, label] of labels) expect(IGNORED_TYPE_LABELS).toContain(label);
    } finally {
      await gateway.close();
    }
  });

  it('refuses far-future ticket times and ids of 250,000 digits with 400, producing nothing', async () => {
    const own = gatewayConfig();
    const { app: gateway } = await createGatewayApp(own);
    const gatewayUrl = await listen(gateway);
    try {
      const update = sim.world.createTicket({ requesterId: sim.world.directory.requesters[2]!.id });
      const envelope = eventWebhooks(update, sim.world)[0]!;
      const trigger = JSON.parse(
        renderTriggerTemplate(JSON.stringify(RECOMMENDED_TRIGGER_BODY), update.after, sim.world),
      );
      const post = (kind: 'events' | 'trigger', body: unknown) =>
        signedPost(`${gatewayUrl}/webhooks/zendesk/${kind}`, JSON.stringify(body)).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { reason?: string; detail?: string },
        }));
      const year9999 = '9999-06-01T00:00:00Z';
      const inTwoHours = new Date(Date.now() + 2 * 3_600_000).toISOString();
      const refused = [
        await post('events', { ...envelope, id: 'future-1', time: year9999 }),
        await post('events', {
          ...envelope,
          id: 'future-2',
          detail: { ...envelope.detail, updated_at: year9999 },
        }),
        await post('events', {
          ...envelope,
          id: 'future-3',
          detail: { ...envelope.detail, created_at: inTwoHours },
        }),
        await post('trigger', { ...trigger, updated_at: '9999-06-01T00:00Z' }),
        await post('trigger', { ...trigger, created_at: inTwoHours }),
      ];
      expect(refused).toEqual(
        refused.map(() => ({
          status: 400,
          body: expect.objectContaining({
            reason: 'future-timestamp',
            detail: expect.stringMatching(/after now/),
          }),
        })),
      );
      // The Kafka client hashes the key (the ticket id): a 250,000-digit one blocked the event loop for 5.7 s.
      // Refused by the contract (1 to 20 digits) before anything is produced, quoted or as a JSON number.
      const digits = '9'.repeat(250_000);
      const hugeIds = [
        await post('events', { ...envelope, id: 'huge-id-1', detail: { ...envelope.detail, id: digits } }),
        await post('trigger', { ...trigger, ticket_id: digits }),
      ];
      const asNumber = await signedPost(
        `${gatewayUrl}/webhooks/zendesk/events`,
        JSON.stringify({ ...envelope, id: 'huge-id-2', detail: { ...envelope.detail, id: 0 } }).replace(
          /"id":0/,
          `"id":${digits}`,
        ),
      );
      expect([...hugeIds.map((a) => a.status), asNumber.status]).toEqual([400, 400, 400]);
      expect(hugeIds.map((a) => a.body.reason)).toEqual(['invalid-payload', 'invalid-payload']);

      const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
      expect(metrics).toMatch(/webhooks_rejected_total\{[^}]*reason="future-timestamp"[^}]*\} 3/);
      // Nothing refused reached the topic; the same webhooks with real times are accepted and are its records.
      // The gateway created the topic at start: its partitions may not have a leader the admin knows of yet.
      const offsets = await eventually(() => admin.fetchTopicOffsets(own.TICKET_EVENTS_TOPIC));
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(0);
      const accepted = [await post('events', envelope), await post('trigger', trigger)];
      expect(accepted.map((a) => a.status)).toEqual([200, 200]);
      const messages = await collectMessages(kafka, own.TICKET_EVENTS_TOPIC, (m) => m.length >= 2);
      expect(messages).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });

  it('answers a duplicate delivery of an acknowledged Zendesk event id without producing it again', async () => {
    const own = gatewayConfig();
    const { app: gateway } = await createGatewayApp(own);
    const gatewayUrl = await listen(gateway);
    try {
      const update = sim.world.createTicket({ requesterId: sim.world.directory.requesters[1]!.id });
      const { eventWebhooks } = await import('@ticketflow/zendesk-simulator');
      const body = JSON.stringify(eventWebhooks(update, sim.world)[0]);
      const first = await signedPost(`${gatewayUrl}/webhooks/zendesk/events`, body);
      const second = await signedPost(`${gatewayUrl}/webhooks/zendesk/events`, body);
      expect(await first.json()).toMatchObject({ status: 'accepted' });
      expect(await second.json()).toMatchObject({ status: 'duplicate' });
      // A marker after both: once it is read, anything the duplicate produced would have been read too.
      const marker = eventWebhooks(
        sim.world.updateTicket(update.ticketId, { priority: 'urgent' }),
        sim.world,
      )[0]!;
      await signedPost(`${gatewayUrl}/webhooks/zendesk/events`, JSON.stringify(marker));
      const messages = await collectMessages(kafka, own.TICKET_EVENTS_TOPIC, (m) =>
        m.some((x) => x.value.includes(marker.id)),
      );
      expect(messages.filter((m) => JSON.parse(m.value).eventId === JSON.parse(body).id)).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });

  describe('Zendesk never sees a 400 for what it really sends, nor a 503 for what it sent wrong', () => {
    const realShaped = () => {
      const update = sim.world.createTicket({ requesterId: sim.world.directory.requesters[3]!.id });
      const trigger = renderTriggerTemplate(
        JSON.stringify(RECOMMENDED_TRIGGER_BODY),
        update.after,
        sim.world,
      );
      return { envelope: eventWebhooks(update, sim.world)[0]!, trigger: JSON.parse(trigger) };
    };
    const post = (kind: 'events' | 'trigger', body: unknown) =>
      signedPost(`${url}/webhooks/zendesk/${kind}`, JSON.stringify(body)).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { status?: string; reason?: string; detail?: string },
      }));

    it('accepts new statuses, minute-precision trigger times, internationalised emails and partial events', async () => {
      const { envelope, trigger } = realShaped();
      const answers = await Promise.all([
        post('events', {
          ...envelope,
          id: `${envelope.id}-a`,
          detail: { ...envelope.detail, status: 'ARCHIVED' },
        }),
        post('events', {
          ...envelope,
          id: `${envelope.id}-s`,
          detail: { ...envelope.detail, status: 'SCRUBBED' },
        }),
        post('events', {
          ...envelope,
          id: `${envelope.id}-p`,
          type: 'zen:event-type:ticket.priority_changed',
          detail: { id: envelope.detail.id, priority: 'URGENT' },
          event: { previous: 'LOW', current: 'URGENT' },
        }),
        post('trigger', { ...trigger, created_at: '2013-12-12T05:35Z', updated_at: '2013-12-12T05:36Z' }),
        post('trigger', { ...trigger, requester_email: 'jürgen@münchen.de' }),
        post('trigger', { ...trigger, requester_email: '用户@例子.广告' }),
      ]);
      expect(answers).toEqual(
        answers.map(() => ({ status: 200, body: expect.objectContaining({ status: 'accepted' }) })),
      );
    });

    it.each([
      ['trigger', 'an assignee id that is not one', { assignee_id: 'abc' }, 'assignee_id'],
      ['trigger', 'a date before 1970', { created_at: '0000-01-01T00:00:00Z' }, 'created_at'],
      ['events', 'a ticket id past 64 bits', { id: '9'.repeat(25) }, 'id'],
      ['events', 'a date past 9999', { updated_at: '9999-12-31T23:59:59-05:00' }, 'updated_at'],
    ] as const)('%s webhook with %s: 400 with its reason', async (kind, _name, patch, field) => {
      const { envelope, trigger } = realShaped();
      const body =
        kind === 'trigger'
          ? { ...trigger, ...patch }
          : { ...envelope, detail: { ...envelope.detail, ...patch } };
      expect(await post(kind, body)).toEqual({
        status: 400,
        body: expect.objectContaining({ reason: 'invalid-payload', detail: expect.stringContaining(field) }),
      });
    });
  });

  it('stops once on SIGTERM or SIGINT as on app.close(); a second signal does not cut the stop short', async () => {
    type Stop = (gateway: INestApplication, onSignal: (signal: string) => unknown) => Promise<unknown>;
    const shutDown = async (stop: Stop) => {
      const before = new Set(process.listeners('SIGTERM'));
      const { app: gateway, runtime } = await createGatewayApp(gatewayConfig());
      await listen(gateway);
      const spies = [jest.spyOn(runtime.producer, 'disconnect'), jest.spyOn(runtime.admin, 'disconnect')];
      const onSignal = process.listeners('SIGTERM').find((listener) => !before.has(listener))!;
      expect(process.listeners('SIGINT')).toContain(onSignal);
      await stop(gateway, onSignal as (signal: string) => unknown);
      expect(gateway.getHttpServer().listening).toBe(false);
      // Closed: the process no longer listens for signals on this app's behalf.
      expect(process.listeners('SIGTERM')).not.toContain(onSignal);
      expect(process.listeners('SIGINT')).not.toContain(onSignal);
      return spies.map((spy) => spy.mock.calls.length);
    };

    expect(await shutDown((gateway) => gateway.close())).toEqual([1, 1]);
    // The process exits once the app closed: stubbed, so the test process lives on.
    let exited: (code: number) => void = () => undefined;
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => exited(code)) as never);
    try {
      const stopped = await shutDown(async (_gateway, onSignal) => {
        const code = new Promise<number>((resolve) => (exited = resolve));
        // Ctrl-C, then a supervisor's TERM while the first is still closing: one stop, carried to its end.
        onSignal('SIGINT');
        onSignal('SIGTERM');
        expect(await code).toBe(0);
      });
      expect(stopped).toEqual([1, 1]);
      expect(exit).toHaveBeenCalledTimes(1);
    } finally {
      exit.mockRestore();
    }
  });

  it('creates its topic with the declared partitions', async () => {
    await expect(
      ensureTopics(admin, [{ ...Topics.ticketEvents, name: config.TICKET_EVENTS_TOPIC }]),
    ).resolves.toBeUndefined();
    const { topics } = await admin.fetchTopicMetadata({ topics: [config.TICKET_EVENTS_TOPIC] });
    expect(topics[0]!.partitions).toHaveLength(Topics.ticketEvents.partitions);
  });
});
