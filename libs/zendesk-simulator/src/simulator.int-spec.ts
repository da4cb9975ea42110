import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  ZENDESK_TEST_SIGNING_SECRET,
  verifyWebhookSignature,
  type IncrementalTicketsPage,
  type RestTicket,
  type TicketWebhookEnvelope,
} from '@ticketflow/zendesk';
import { startSimulator, type Simulator } from './simulator';

/** A webhook receiver that records raw bodies and headers, answering with a scripted status. */
async function receiver(
  answer: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
) {
  const received: { body: Buffer; headers: Record<string, string | string[] | undefined> }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: req.headers });
      const { status, headers } = answer(received.length);
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('zendesk-simulator over HTTP', () => {
  describe('REST API', () => {
    let sim: Simulator;
    const get = async (path: string, auth = sim.authorization) => {
      const response = await fetch(`${sim.url}${path}`, {
        headers: { authorization: auth, accept: 'application/json' },
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as Record<string, unknown>,
      };
    };

    beforeAll(async () => {
      sim = await startSimulator({
        tickets: 250,
        seed: 5,
        apiFaults: { errorRate: 0 },
        limits: { perMinute: 100_000, incrementalPerMinute: 1_000, ticketsIndexPerMinute: 1_000 },
      });
    });
    afterAll(() => sim.close());

    it('authenticates API tokens as Basic email/token:TOKEN or Bearer, else 401 with Zendesk envelope', async () => {
      expect((await get('/api/v2/tickets/1000.json')).status).toBe(200);
      expect((await get('/api/v2/tickets/1000.json', `Bearer ${sim.apiToken}`)).status).toBe(200);
      const bad = await get(
        '/api/v2/tickets/1000.json',
        `Basic ${Buffer.from('agent1@support.example.com/token:nope').toString('base64')}`,
      );
      expect(bad).toMatchObject({ status: 401, body: { error: "Couldn't authenticate you" } });
    });

    it('shows a ticket with REST shapes (integer ids, lowercase enums) and 404s with RecordNotFound', async () => {
      const id = [...sim.world.ids()].find((i) => !sim.world.state(i)!.deleted)!;
      const { body } = await get(`/api/v2/tickets/${id}.json`);
      const ticket = body['ticket'] as RestTicket;
      expect(ticket).toMatchObject({
        id,
        requester_id: expect.any(Number),
        status: expect.stringMatching(/^(new|open|pending|hold|solved|closed)$/),
      });
      expect(typeof ticket.generated_timestamp).toBe('number');
      expect(ticket.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(await get('/api/v2/tickets/99999999.json')).toMatchObject({
        status: 404,
        body: { error: 'RecordNotFound' },
      });
    });

    it('pages tickets by cursor to the end: every visible ticket once, links.next until has_more is false', async () => {
      const ids: number[] = [];
      let next: string | null = `/api/v2/tickets.json?page[size]=40`;
      let pages = 0;
      while (next) {
        const { body } = await get(next.replace(sim.url, ''));
        const page = body as unknown as {
          tickets: RestTicket[];
          meta: { has_more: boolean };
          links: { next: string | null };
        };
        expect(page.tickets.length).toBeLessThanOrEqual(40);
        ids.push(...page.tickets.map((t) => t.id));
        next = page.meta.has_more ? page.links.next : null;
        pages++;
      }
      const visible = [...sim.world.ids()].filter((id) => !sim.world.state(id)!.deleted);
      expect(ids).toEqual(visible);
      expect(pages).toBe(Math.ceil(visible.length / 40));
      expect((await get('/api/v2/tickets.json?page=101&per_page=100')).status).toBe(400);
    });

    it('exports incrementally by cursor to end_of_stream, deleted tickets included, last minute excluded', async () => {
      const seen: RestTicket[] = [];
      let url = '/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=100&include=metric_sets';
      let page: IncrementalTicketsPage;
      do {
        page = (await get(url)).body as unknown as IncrementalTicketsPage;
        expect(page.metric_sets?.map((m) => m.ticket_id)).toEqual(page.tickets.map((t) => t.id));
        seen.push(...page.tickets);
        url = `/api/v2/incremental/tickets/cursor.json?cursor=${page.after_cursor}&per_page=100&include=metric_sets`;
      } while (!page.end_of_stream);
      expect(seen.map((t) => t.id).sort((a, b) => a - b)).toEqual([...sim.world.ids()]);
      expect(seen.some((t) => t.status === 'deleted')).toBe(true);
      for (let i = 1; i < seen.length; i++)
        expect(seen[i]!.generated_timestamp).toBeGreaterThanOrEqual(seen[i - 1]!.generated_timestamp);

      // A change now is inside the last minute: not exported yet, although the stream continues from the cursor.
      const changed = seen.find((t) => t.status === 'open')!;
      await fetch(`${sim.url}/api/v2/tickets/${changed.id}.json`, {
        method: 'PUT',
        headers: { authorization: sim.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ ticket: { status: 'pending' } }),
      });
      const later = (await get(`/api/v2/incremental/tickets/cursor.json?cursor=${page.after_cursor}`))
        .body as unknown as IncrementalTicketsPage;
      expect(later).toMatchObject({ tickets: [], end_of_stream: true });
      const tooRecent = await get(
        `/api/v2/incremental/tickets/cursor.json?start_time=${Math.floor(Date.now() / 1000)}`,
      );
      expect(tooRecent.status).toBe(400);
    });

    it('exports status changes as ticket events (time-based) matching the ground truth histories', async () => {
      const seen = new Map<string, { to: string; from: string | null }>();
      let url = '/api/v2/incremental/ticket_events.json?start_time=0&per_page=500';
      for (let pages = 0; pages < 100; pages++) {
        const page = (await get(url)).body as {
          ticket_events: {
            id: number;
            ticket_id: number;
            child_events: { value: string; previous_value: string | null }[];
          }[];
          next_page: string;
          end_of_stream: boolean;
        };
        for (const audit of page.ticket_events)
          seen.set(`${audit.ticket_id}:${audit.id}`, {
            to: audit.child_events[0]!.value,
            from: audit.child_events[0]!.previous_value,
          });
        if (page.end_of_stream) break;
        url = page.next_page.replace(sim.url, '');
      }
      const truthTransitions = sim.truth
        .allTickets(Date.now() - 61_000)
        .reduce((n, t) => n + t.history.length, 0);
      expect(seen.size).toBe(truthTransitions);
    });

    it('serves users (show, show_many, search by email case-insensitively), metrics, custom statuses', async () => {
      const requester = sim.world.directory.requesters.find((u) => /[A-Z]/.test(u.email))!;
      expect((await get(`/api/v2/users/${requester.id}.json`)).body['user']).toMatchObject({
        id: requester.id,
        email: requester.email,
      });
      const many = (
        await get(`/api/v2/users/show_many.json?ids=${requester.id},${sim.world.directory.agents[0]!.id}`)
      ).body['users'] as unknown[];
      expect(many).toHaveLength(2);
      const search = await get(
        `/api/v2/users/search.json?query=${encodeURIComponent(`email:${requester.email.toLowerCase()}`)}`,
      );
      expect((search.body['users'] as { id: number }[]).map((u) => u.id)).toEqual([requester.id]);

      const metric = (await get('/api/v2/tickets/1000/metrics.json')).body['ticket_metric'] as Record<
        string,
        unknown
      >;
      expect(Array.isArray(metric)).toBe(false);
      expect(metric).toMatchObject({
        ticket_id: 1000,
        full_resolution_time_in_minutes: { calendar: expect.anything() },
      });
      const list = (await get('/api/v2/ticket_metrics.json?page[size]=10')).body as {
        ticket_metrics: unknown[];
        meta: { has_more: boolean };
      };
      expect(list.ticket_metrics).toHaveLength(10);
      expect(list.meta.has_more).toBe(true);
      const statuses = (await get('/api/v2/custom_statuses.json')).body['custom_statuses'] as {
        status_category: string;
      }[];
      expect(new Set(statuses.map((s) => s.status_category))).toEqual(
        new Set(['new', 'open', 'pending', 'hold', 'solved']),
      );
    });
    it('pages users by offset without page[size] and refuses what Zendesk refuses on the newer routes', async () => {
      const users = (await get('/api/v2/users.json?per_page=30&page=2')).body as {
        users: { id: number; url: string }[];
        next_page: string | null;
        previous_page: string | null;
        count: number;
      };
      const all = [...sim.world.directory.usersById.keys()].sort((a, b) => a - b);
      expect(users.users.map((u) => u.id)).toEqual(all.slice(30, 60));
      expect(users).toMatchObject({
        count: all.length,
        next_page: `${sim.url}/api/v2/users.json?page=3&per_page=30`,
        previous_page: `${sim.url}/api/v2/users.json?page=1&per_page=30`,
      });
      expect(users.users[0]!.url).toBe(`${sim.url}/api/v2/users/${users.users[0]!.id}.json`);

      const deleted = [...sim.world.ids()].find((id) => sim.world.state(id)!.deleted)!;
      const agent = `Basic ${Buffer.from(`agent2@support.example.com/token:${sim.apiToken}`).toString('base64')}`;
      const now = Math.floor(Date.now() / 1000);
      const refusals: [string, number, string][] = [
        ['/api/v2/search.json?query=status:open&page=11', 422, 'invalid'],
        ['/api/v2/search.json', 400, 'InvalidValue'],
        ['/api/v2/search/export.json?query=status:open', 400, 'InvalidValue'],
        [`/api/v2/tickets/${deleted}/audits.json`, 404, 'RecordNotFound'],
        ['/api/v2/users/1/tickets/requested.json', 404, 'RecordNotFound'],
        [`/api/v2/incremental/tickets.json?start_time=${now}`, 400, 'InvalidValue'],
      ];
      for (const [path, status, error] of refusals)
        expect([path, await get(path)]).toMatchObject([path, { status, body: { error } }]);
      expect((await get('/api/v2/incremental/tickets.json?start_time=0', agent)).status).toBe(403);
    });
  });

  it('answers 429 with Retry-After and X-Rate-Limit headers at the account and incremental limits', async () => {
    const sim = await startSimulator({
      tickets: 20,
      apiFaults: { errorRate: 0 },
      limits: { perMinute: 30, incrementalPerMinute: 10 },
    });
    try {
      const call = (path: string) =>
        fetch(`${sim.url}${path}`, { headers: { authorization: sim.authorization } });
      const incremental = [];
      for (let i = 0; i < 11; i++)
        incremental.push(await call('/api/v2/incremental/tickets/cursor.json?start_time=0'));
      expect(incremental.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(incremental[10]!.status).toBe(429);
      expect(Number(incremental[10]!.headers.get('retry-after'))).toBeGreaterThan(0);

      const statuses = [];
      for (let i = 0; i < 20; i++) {
        const response = await call('/api/v2/users/search.json?query=agent1');
        statuses.push(response.status);
        if (response.status === 429) {
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(response.headers.get('x-rate-limit')).toBe('30');
          expect(response.headers.get('x-rate-limit-remaining')).toBe('0');
          expect(await response.json()).toMatchObject({ error: 'APIRateLimitExceeded' });
        }
      }
      // 11 incremental calls used 11 of the 30; 19 more pass, then 429.
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      expect(statuses[19]).toBe(429);
    } finally {
      await sim.close();
    }
  });

  it('injects 500/503 at the configured rate (2 % default, within tolerance over 4,000 requests)', async () => {
    const sim = await startSimulator({ tickets: 20, limits: { perMinute: 1_000_000 } });
    try {
      const statuses: number[] = [];
      for (let batch = 0; batch < 40; batch++) {
        const responses = await Promise.all(
          Array.from({ length: 100 }, () =>
            fetch(`${sim.url}/api/v2/custom_statuses.json`, {
              headers: { authorization: sim.authorization },
            }),
          ),
        );
        for (const response of responses) {
          statuses.push(response.status);
          await response.arrayBuffer();
        }
      }
      const failures = statuses.filter((s) => s === 500 || s === 503).length;
      // Binomial(4000, 0.02): mean 80, sd 8.9; ±4 sd.
      expect(failures).toBeGreaterThan(44);
      expect(failures).toBeLessThan(116);
      expect(statuses.filter((s) => s !== 200 && s !== 500 && s !== 503)).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  describe('webhooks', () => {
    it('sends event-subscribed ticket webhooks signed with the secret, in Zendesk’s envelope', async () => {
      const hook = await receiver();
      const sim = await startSimulator({
        tickets: 10,
        apiFaults: { errorRate: 0 },
        webhooks: {
          targets: [
            {
              id: '01EJFTSCC78X5V07NPY2MHR00M',
              endpoint: hook.url,
              signingSecret: ZENDESK_TEST_SIGNING_SECRET,
              mode: 'events',
            },
          ],
        },
      });
      try {
        const requester = sim.world.directory.requesters[0]!;
        const created = sim.world.createTicket({ requesterId: requester.id });
        sim.world.updateTicket(created.ticketId, {
          status: 'open',
          assigneeId: sim.world.directory.agents[1]!.id,
          comment: { body: 'On it' },
        });
        await sim.webhooks!.flush();

        expect(hook.received.length).toBeGreaterThanOrEqual(4);
        for (const { body, headers } of hook.received) {
          const check = verifyWebhookSignature(
            body,
            headers[SIGNATURE_HEADER] as string,
            headers[SIGNATURE_TIMESTAMP_HEADER] as string,
            {
              secrets: [ZENDESK_TEST_SIGNING_SECRET],
              toleranceMs: 300_000,
            },
          );
          expect(check).toEqual({ ok: true });
          expect(headers['x-zendesk-webhook-id']).toBe('01EJFTSCC78X5V07NPY2MHR00M');
        }
        const envelopes = hook.received.map((r) => JSON.parse(r.body.toString()) as TicketWebhookEnvelope);
        expect(envelopes.map((e) => e.type)).toEqual([
          'zen:event-type:ticket.created',
          'zen:event-type:ticket.agent_assignment_changed',
          'zen:event-type:ticket.comment_added',
          'zen:event-type:ticket.status_changed',
          'zen:event-type:ticket.custom_status_changed',
        ]);
        const statusChanged = envelopes[3]!;
        expect(statusChanged).toMatchObject({
          subject: `zen:ticket:${created.ticketId}`,
          zendesk_event_version: '2022-11-06',
          detail: { id: String(created.ticketId), status: 'OPEN', requester_id: String(requester.id) },
          event: { previous: 'NEW', current: 'OPEN', meta: { sequence: { position: 3 } } },
        });
        expect(
          new Set(envelopes.slice(1).map((e) => (e.event.meta as { sequence: { id: string } }).sequence.id))
            .size,
        ).toBe(1);
        expect(new Set(envelopes.map((e) => e.id)).size).toBe(envelopes.length);
      } finally {
        await sim.close();
        await hook.close();
      }
    });

    it('renders trigger webhooks from a body template with the requester email', async () => {
      const hook = await receiver();
      const sim = await startSimulator({
        tickets: 10,
        webhooks: {
          targets: [
            {
              id: 'trigger-hook',
              endpoint: hook.url,
              signingSecret: 'another-secret',
              mode: 'trigger',
              bodyTemplate:
                '{"id":"{{ticket.id}}","email":"{{ticket.requester.email}}","status":"{{ticket.status}}"}',
            },
          ],
        },
      });
      try {
        const requester = sim.world.directory.requesters[3]!;
        const { ticketId } = sim.world.createTicket({ requesterId: requester.id });
        await sim.webhooks!.flush();
        expect(JSON.parse(hook.received[0]!.body.toString())).toEqual({
          id: String(ticketId),
          email: requester.email,
          status: 'New',
        });
      } finally {
        await sim.close();
        await hook.close();
      }
    });

    it('drops, duplicates and retries deliveries as configured', async () => {
      // The receiver answers 503 with Retry-After: 0 to every third request: Zendesk retries those.
      const hook = await receiver((n) =>
        n % 3 === 0 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 },
      );
      const sim = await startSimulator({
        tickets: 10,
        webhooks: {
          targets: [
            { id: 'faulty', endpoint: hook.url, signingSecret: ZENDESK_TEST_SIGNING_SECRET, mode: 'events' },
          ],
          faults: { dropRate: 0.2, duplicateRate: 0.2, reorderRate: 0.3, reorderWindowMs: 50 },
          seed: 99,
        },
      });
      try {
        for (let i = 0; i < 200; i++)
          sim.world.createTicket({ requesterId: sim.world.directory.requesters[i % 4]!.id });
        await sim.webhooks!.flush();
        const log = sim.webhooks!.deliveries;
        const dropped = log.filter((d) => d.outcome === 'dropped').length;
        const duplicates = log.filter((d) => d.copy === 2).length;
        expect(dropped / log.length).toBeGreaterThan(0.1);
        expect(dropped / log.length).toBeLessThan(0.3);
        expect(duplicates).toBeGreaterThan(15);
        expect(
          log.filter((d) => d.attempts.some((a) => a.status === 503)).every((d) => d.outcome === 'delivered'),
        ).toBe(true);
        expect(log.filter((d) => d.outcome === 'delivered')).toHaveLength(
          hook.received.filter((_, i) => (i + 1) % 3 !== 0).length,
        );
      } finally {
        await sim.close();
        await hook.close();
      }
    });
  });
});
