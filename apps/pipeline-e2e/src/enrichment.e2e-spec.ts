import type { INestApplication } from '@nestjs/common';
import { userUpserted } from '@ticketflow/contracts';
import { EventProducer } from '@ticketflow/kafka';
import {
  collectMessages,
  createTestSchema,
  eventually,
  testKafka,
  type TestSchema,
} from '@ticketflow/testing';
import {
  ADMIN_EMAIL,
  NO_DELIVERY_FAULTS,
  PRODUCT_AREA_FIELD,
  startSimulator,
  type Simulator,
} from '@ticketflow/zendesk-simulator';
import { createGatewayApp } from '@ticketflow/gateway';
import { gatewayConfig, gatewayWebhookTargets, listen } from '@ticketflow/gateway/testing';
import { LOOKUP_GRACE_MS, createEnrichmentApp, type EnrichmentApp } from '@ticketflow/enrichment';
import { TEST_API_KEY, enrichmentConfig } from '@ticketflow/enrichment/testing';

jest.setTimeout(300_000);

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('end to end: simulator → gateway → Kafka → enrichment → Postgres', () => {
  let schema: TestSchema;
  let sim: Simulator;
  let gateway: INestApplication;
  let enrichment: EnrichmentApp;
  let url: string;
  let producer: EventProducer;
  let clockOffset = 0;

  beforeAll(async () => {
    schema = await createTestSchema('e2e');
    sim = await startSimulator({
      tickets: 150,
      seed: 9,
      clock: () => Date.now() + clockOffset,
      apiFaults: { errorRate: 0.02 },
      limits: { perMinute: 100_000, incrementalPerMinute: 1_000, ticketsIndexPerMinute: 1_000 },
    });
    const config = enrichmentConfig(
      { url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken },
      schema.schema,
      {
        TICKET_CUSTOM_FIELDS: `sector=${PRODUCT_AREA_FIELD.id}`,
        STREAM_TOKEN_SECRETS: 'e2e-stream-token-secret',
      },
    );
    const gwConfig = gatewayConfig({ TICKET_EVENTS_TOPIC: config.TICKET_EVENTS_TOPIC });
    ({ app: gateway } = await createGatewayApp(gwConfig));
    const gatewayUrl = await listen(gateway);
    enrichment = await createEnrichmentApp(config);
    url = await listen(enrichment.app);
    const { WebhookSender } = await import('@ticketflow/zendesk-simulator');
    sim.webhooks = new WebhookSender(sim.world, gatewayWebhookTargets(gatewayUrl), {
      faults: { duplicateRate: 0.1, reorderRate: 0.2, reorderWindowMs: 300, dropRate: 0.05 },
      seed: 5,
      retryDelayMs: 100,
    });
    producer = new EventProducer(testKafka('e2e'));
    await producer.connect();
  });

  afterAll(async () => {
    for (const close of [
      () => producer?.disconnect(),
      () => sim?.close(),
      () => gateway?.close(),
      () => enrichment?.app.close(),
      () => schema?.drop(),
    ]) {
      await close()?.catch((error: Error) => console.error(`teardown: ${error.message}`));
    }
  });

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { headers: { 'x-api-key': TEST_API_KEY } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const caughtUp = () =>
    eventually(async () => {
      const { runtime } = enrichment;
      const lag =
        (await runtime.lag(runtime.topics.tickets.name)) + (await runtime.lag(runtime.topics.users.name));
      return lag === 0 ? true : undefined;
    }, 120_000);

  it('after duplicates, reordering, 5 % dropped webhooks and one reconciliation pass, equals the ground truth', async () => {
    // The company's users: every requester, some emails typed with capitals.
    const requesters = sim.world.directory.requesters;
    const users = requesters.map((r, i) =>
      userUpserted(`user-${i}`, i % 3 === 0 ? r.email.toUpperCase() : r.email),
    );
    const { runtime } = enrichment;
    await producer.publish(
      runtime.topics.users,
      users.map((value) => ({ key: value.userId, value })),
    );

    sim.runScenario({ ratePerSecond: 40, actions: 300, seed: 3 });
    await sim.scenario!.done;
    await sim.webhooks!.flush();
    const log = sim.webhooks!.deliveries;
    const dropped = log.filter((d) => d.outcome === 'dropped').length;
    console.log(
      `webhook deliveries: ${log.length}, dropped ${dropped}, duplicates ${log.filter((d) => d.copy === 2).length}`,
    );
    expect(dropped).toBeGreaterThan(0);
    await caughtUp();

    // Past Zendesk's "last minute excluded" window, then one reconciliation pass.
    clockOffset += 120_000;
    const pass = await runtime.reconcile();
    console.log(`reconciliation pass: ${JSON.stringify(pass)}`);
    await caughtUp();
    // Every lookup, also those the batches' own resolution may still be working on.
    await runtime.resolver.resolvePending(LOOKUP_GRACE_MS);

    const truth = sim.truth.allTickets();
    let compared = 0;
    for (const [i, requester] of requesters.entries()) {
      const expected = truth
        .filter((t) => t.requesterId === requester.id && t.deleted === null)
        .map((t) => ({ id: String(t.id), status: t.status, open: t.open }));
      const got: { id: string; status: string; open: boolean }[] = [];
      let cursor: string | null = null;
      do {
        const page: { tickets: { id: string; status: string; open: boolean }[]; nextCursor: string | null } =
          await api(`/users/user-${i}/tickets?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
        got.push(...page.tickets.map((t) => ({ id: t.id, status: t.status, open: t.open })));
        cursor = page.nextCursor;
      } while (cursor);
      expect({ user: i, tickets: got }).toEqual({ user: i, tickets: expected });
      compared += got.length;
    }
    for (const ticket of truth.filter((t) => t.deleted !== 'permanent')) {
      const got = await api<{
        status: string;
        group: { id: string; name: string | null } | null;
        type: string | null;
        tags: string[];
        customFields: Record<string, unknown>;
        history: { at: string; from: string | null; to: string }[];
      }>(`/tickets/${ticket.id}`);
      expect({
        id: ticket.id,
        status: got.status,
        group: got.group,
        type: got.type,
        tags: got.tags,
        customFields: got.customFields,
        history: got.history.map((h) => [seconds(h.at), h.from, h.to]),
      }).toEqual({
        id: ticket.id,
        status: ticket.status,
        group: { id: String(ticket.group.id), name: ticket.group.name },
        type: ticket.type,
        tags: ticket.tags,
        customFields: { sector: ticket.customFields[String(PRODUCT_AREA_FIELD.id)] },
        history: ticket.history.map((h) => [seconds(h.at), h.from, h.to]),
      });
    }
    console.log(
      `compared ${compared} user tickets and ${truth.length} ticket histories, groups, types, tags and the sector custom field with the ground truth`,
    );

    // What alerting consumes: the latest open-ticket set per user on user.open-tickets equals the truth.
    const openByEmail = sim.truth.openTicketsByEmail();
    const expectedOpen = requesters.map(
      (r, i) =>
        [`user-${i}`, JSON.stringify((openByEmail[r.email.toLowerCase()] ?? []).map(String))] as const,
    );
    const latest = new Map<string, string>();
    await collectMessages(
      testKafka('e2e-open'),
      runtime.topics.openTickets.name,
      (messages) => {
        latest.clear();
        for (const m of messages) {
          latest.set(
            m.key!,
            JSON.stringify((JSON.parse(m.value) as { openTicketIds: string[] }).openTicketIds),
          );
        }
        return expectedOpen.every(([userId, ids]) => (latest.get(userId) ?? '[]') === ids);
      },
      60_000,
    );
  });

  it('streams a status change to the user over Server-Sent Events as it is projected', async () => {
    sim.webhooks!.faults = { ...NO_DELIVERY_FAULTS };
    const requester = sim.world.directory.requesters[0]!;
    const { ticketId } = sim.world.createTicket({ requesterId: requester.id });
    await sim.webhooks!.flush();
    // Both webhooks of the creation projected (the trigger adds the custom fields, a change the user sees) before
    // the stream opens: from here on, only the changes below reach it.
    await caughtUp();

    const controller = new AbortController();
    const response = await fetch(`${url}/users/user-0/tickets/stream`, {
      headers: { 'x-api-key': TEST_API_KEY },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const changedAt = Date.now();
    sim.world.updateTicket(ticketId, { status: 'pending', comment: { body: 'We need more details' } });
    let received = '';
    const arrived = await eventually(async () => {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
      return received.includes(`"id":"${ticketId}"`) && received.includes('"status":"pending"')
        ? Date.now()
        : undefined;
    }, 20_000);
    expect(received).toMatch(/^event: ticket$/m);
    console.log(`SSE: status change delivered ${arrived - changedAt} ms after the change in Zendesk`);

    // Each change reaches the stream once, although Zendesk sends it as an event webhook and a trigger: once
    // both are projected, a second change follows, and the stream holds exactly one message per change.
    await caughtUp();
    sim.world.updateTicket(ticketId, { status: 'open', comment: { body: 'Thanks, found it' } });
    await eventually(async () => {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
      return received.includes('"status":"open"') ? true : undefined;
    }, 20_000);
    await sim.webhooks!.flush();
    await caughtUp();
    controller.abort();
    const messages = received
      .split('\n\n')
      .filter((m) => m.includes(`"id":"${ticketId}"`))
      .map((m) => (/"status":"(\w+)"/.exec(m) ?? [])[1]);
    expect(messages).toEqual(['pending', 'open']);
  });

  it("opens a user's stream with a token issued for that user, and no other user's", async () => {
    const issue = (userId: string, headers: Record<string, string>) =>
      fetch(`${url}/users/${userId}/stream-tokens`, { method: 'POST', headers });
    expect((await issue('user-0', {})).status).toBe(401);
    expect((await issue('nobody', { 'x-api-key': TEST_API_KEY })).status).toBe(404);
    const issued = await issue('user-0', { 'x-api-key': TEST_API_KEY });
    expect(issued.status).toBe(201);
    const { token, streamPath } = (await issued.json()) as { token: string; streamPath: string };
    expect(streamPath).toBe(`/users/user-0/tickets/stream?token=${token}`);

    const open = async (path: string) => {
      const controller = new AbortController();
      const response = await fetch(`${url}${path}`, { signal: controller.signal });
      const body = response.status === 200 ? null : ((await response.json()) as { reason: string }).reason;
      controller.abort();
      return { status: response.status, type: response.headers.get('content-type'), body };
    };
    expect(await open(streamPath)).toMatchObject({
      status: 200,
      type: expect.stringContaining('event-stream'),
    });
    expect(await open(`/users/user-1/tickets/stream?token=${token}`)).toEqual({
      status: 403,
      type: expect.any(String),
      body: "token for another user's stream",
    });
    expect((await open(`/users/user-0/tickets/stream?token=${token.slice(0, -2)}`)).status).toBe(401);
    expect((await open(`/users/user-0/tickets/stream`)).status).toBe(401);
    // A token opens a stream, nothing else.
    const other = await fetch(`${url}/users/user-0/tickets?token=${token}`);
    expect(other.status).toBe(401);
  });

  it('shows a renamed group under its new name after the next reconciliation pass', async () => {
    const group = sim.world.directory.groups[1]!;
    const ticket = sim.truth.allTickets().find((t) => t.group.id === group.id && t.deleted === null)!;
    const before = await api<{ group: { id: string; name: string } }>(`/tickets/${ticket.id}`);
    expect(before.group).toEqual({ id: String(group.id), name: group.name });
    group.name = `${group.name} (renamed)`;
    await enrichment.runtime.reconcile();
    const after = await api<{ group: { id: string; name: string } }>(`/tickets/${ticket.id}`);
    expect(after.group).toEqual({ id: String(group.id), name: group.name });
  });

  it('reads the groups again when a ticket names a group created since, without waiting for a pass', async () => {
    sim.webhooks!.faults = { ...NO_DELIVERY_FAULTS };
    const group = { ...sim.world.directory.groups[0]!, id: 114_094_999_001, name: 'Partners' };
    sim.world.directory.groups.push(group);
    const requester = sim.world.directory.requesters[2]!;
    const { ticketId } = sim.world.createTicket({ requesterId: requester.id, groupId: group.id });
    await sim.webhooks!.flush();
    await eventually(async () => {
      const ticket = await api<{ group: { id: string; name: string | null } }>(`/tickets/${ticketId}`).catch(
        () => undefined,
      );
      return ticket?.group.name === 'Partners' ? true : undefined;
    }, 10_000);
  });

  it('finds by reconciliation a permanent delete whose webhook Zendesk dropped, and keeps no content of it', async () => {
    const { runtime } = enrichment;
    sim.webhooks!.faults = { ...NO_DELIVERY_FAULTS };
    const requester = sim.world.directory.requesters[1]!;
    const { ticketId } = sim.world.createTicket({ requesterId: requester.id });
    sim.world.softDelete(ticketId);
    await sim.webhooks!.flush();
    await caughtUp();
    const row = async () =>
      (
        await runtime.db.query(`SELECT deleted, subject FROM tickets WHERE ticket_id = $1`, [
          String(ticketId),
        ])
      )[0] as { deleted: string | null; subject: string | null };
    expect((await row()).deleted).toBe('soft');

    sim.webhooks!.faults = { ...NO_DELIVERY_FAULTS, dropRate: 1 };
    sim.world.permanentlyDelete(ticketId);
    await sim.webhooks!.flush();
    sim.webhooks!.faults = { ...NO_DELIVERY_FAULTS };
    await caughtUp();
    expect((await row()).deleted).toBe('soft');

    clockOffset += 120_000;
    await runtime.reconcile();
    await caughtUp();
    expect(await row()).toEqual({ deleted: 'permanent', subject: null });
  });
});
