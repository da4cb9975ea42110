import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ZendeskApiError,
  ZendeskClient,
  ZendeskClientClosed,
  type RetryReason,
  type ZendeskClientOptions,
} from './client';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server answering the n-th request with the n-th scripted answer (the last one repeats). */
async function scripted(answers: Answer[]) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    answers[Math.min(seen.length, answers.length) - 1]!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const retries: RetryReason[] = [];
  const client = (attempts = 3, options: Partial<ZendeskClientOptions> = {}) =>
    new ZendeskClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      email: 'admin@example.com',
      apiToken: 'token',
      attempts,
      timeoutMs: 300,
      backoffBaseMs: 1,
      backoffCapMs: 5,
      onRetry: (reason) => retries.push(reason),
      ...options,
    });
  return {
    client,
    seen,
    retries,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const eventsPage = (items: unknown[], extra: Record<string, unknown> = {}) => ({
  ticket_events: items,
  count: items.length,
  end_of_stream: true,
  end_time: 100,
  next_page: null,
  ...extra,
});

describe('ZendeskClient under the faults Zendesk shows', () => {
  let server: Awaited<ReturnType<typeof scripted>> | undefined;
  afterEach(() => server?.close());

  it('waits out any number of 429s without using up an attempt', async () => {
    server = await scripted([
      ...Array.from({ length: 6 }, () => json(429, { error: 'APIRateLimitExceeded' })),
      json(200, { users: [] }),
    ]);
    await expect(server.client(2).get('/api/v2/users/show_many.json?ids=1')).resolves.toEqual({ users: [] });
    expect(server.retries).toEqual(Array(6).fill('rate-limited'));
  });

  it('retries 500, 503, a timeout and a cut 200 body, then gives up after its attempts', async () => {
    server = await scripted([
      json(500, { error: 'InternalServerError' }),
      json(503, { error: 'ServiceUnavailable' }),
      () => undefined, // never answered
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"users":[{"id'),
      json(200, { users: [{ id: 1 }] }),
    ]);
    await expect(server.client(5).get('/api/v2/users/show_many.json?ids=1')).resolves.toEqual({
      users: [{ id: 1 }],
    });
    expect(server.retries).toEqual(['server-error', 'server-error', 'timeout', 'invalid-body']);

    await server.close();
    server = await scripted([json(500, { error: 'InternalServerError' })]);
    await expect(server.client(3).get('/x')).rejects.toBeInstanceOf(ZendeskApiError);
    expect(server.seen).toHaveLength(3);
  });

  it('ends calls waiting in a backoff, a Retry-After or a slow answer at once when closed', async () => {
    server = await scripted([
      json(500, {}),
      json(429, {}, { 'retry-after': '60' }),
      () => undefined, // never answers
    ]);
    const client = server.client(8, { backoffBaseMs: 60_000, backoffCapMs: 60_000, timeoutMs: 60_000 });
    const calls = [1, 2, 3].map(() => client.get('/api/v2/users.json').catch((error: Error) => error));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closedAt = Date.now();
    client.close();
    for (const result of await Promise.all(calls)) expect(result).toBeInstanceOf(ZendeskClientClosed);
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    await expect(client.get('/api/v2/users.json')).rejects.toBeInstanceOf(ZendeskClientClosed);
  });

  it('does not retry a 4xx other than 429', async () => {
    server = await scripted([json(404, { error: 'RecordNotFound' })]);
    await expect(server.client().get('/api/v2/users/1.json')).rejects.toMatchObject({ status: 404 });
    expect(server.seen).toHaveLength(1);
  });

  it('fetches again an export page whose count is not its items, and halves per_page after 504s', async () => {
    server = await scripted([
      json(200, eventsPage([], { count: 3 })),
      (req, res) =>
        req.url!.includes('per_page=1000') ? res.writeHead(504).end('upstream request timeout') : undefined,
      (req, res) =>
        req.url!.includes('per_page=500') ? res.writeHead(504).end('upstream request timeout') : undefined,
      json(200, eventsPage([]), { date: 'Wed, 25 Nov 2026 10:00:00 GMT' }),
    ]);
    const page = await server.client().incrementalTicketEvents(0);
    expect(page).toMatchObject({ perPage: 250, serverTime: Date.parse('2026-11-25T10:00:00Z') / 1000 });
    expect(server.seen.map((url) => new URLSearchParams(url.split('?')[1]).get('per_page'))).toEqual([
      '1000',
      '1000',
      '500',
      '250',
    ]);
  });

  it('gives export child events in one form whichever form Zendesk wrote', async () => {
    const audit = (child_events: unknown[]) => ({
      id: 1,
      ticket_id: 7,
      timestamp: 50,
      created_at: '1970-01-01T00:00:50Z',
      updater_id: 9,
      child_events,
    });
    server = await scripted([
      json(
        200,
        eventsPage([
          audit([{ id: 2, event_type: 'Change', status: 'solved', previous_value: 'open', via: 'Web form' }]),
          audit([
            { id: 3, event_type: 'Change', field_name: 'status', value: 'open', previous_value: 'new' },
          ]),
          audit([{ id: 4, event_type: 'Comment', comment_public: true }]),
        ]),
      ),
    ]);
    const page = await server.client().incrementalTicketEvents(0);
    expect(page.ticket_events.map((a) => a.child_events[0])).toEqual([
      expect.objectContaining({ field_name: 'status', value: 'solved', previous_value: 'open' }),
      expect.objectContaining({ field_name: 'status', value: 'open', previous_value: 'new' }),
      { id: 4, event_type: 'Comment', comment_public: true },
    ]);
  });

  it("sends an export request when the shared budget's store is down (Zendesk's 429s pace it meanwhile)", async () => {
    server = await scripted([json(200, eventsPage([]))]);
    const limiter = { consume: () => Promise.reject(new Error('connection refused')) };
    const page = await server.client(3, { incrementalLimiter: limiter as never }).incrementalTicketEvents(0);
    expect(page.ticket_events).toEqual([]);
    expect(server.seen).toHaveLength(1);
    expect(server.retries).toEqual([]);
  });
});
