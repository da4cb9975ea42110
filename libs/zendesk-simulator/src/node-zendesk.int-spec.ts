import type { RestUser } from '@ticketflow/zendesk';
import { createClient, type ZendeskClient } from 'node-zendesk';
import { ADMIN_EMAIL, startSimulator, type Simulator } from './simulator';

// node-zendesk 6.0.1, an off-the-shelf client, against the simulator over real HTTP: every call Ticketflow's users
// are likely to make, each answer checked against Zendesk's documented shapes and the simulator's ground truth.

/**
 * Documented field sets. Tickets: the Tickets API's JSON format (read properties; write-only ones such as `comment`,
 * `email_ccs`, `safe_update` left out) as a real Show Ticket answer prints them (nukosuke/go-zendesk
 * fixture/GET/ticket.json; its undocumented `satisfaction_probability` left out), with `custom_status_id`,
 * `generated_timestamp`, `from_messaging_channel` from the docs' example and `encoded_id` from live answers.
 */
const TICKET = [
  'allow_attachments', 'allow_channelback', 'assignee_id', 'brand_id', 'collaborator_ids', 'created_at',
  'custom_fields', 'custom_status_id', 'description', 'due_at', 'email_cc_ids', 'encoded_id', 'external_id',
  'fields', 'follower_ids', 'followup_ids', 'forum_topic_id', 'from_messaging_channel', 'generated_timestamp',
  'group_id', 'has_incidents', 'id', 'is_public', 'organization_id', 'priority', 'problem_id', 'raw_subject',
  'recipient', 'requester_id', 'satisfaction_rating', 'sharing_agreement_ids', 'status', 'subject',
  'submitter_id', 'tags', 'ticket_form_id', 'type', 'updated_at', 'url', 'via',
]; // prettier-ignore
/** The Users API's JSON format (read properties), as a real Show User answer (go-zendesk fixture/GET/user.json). */
const USER = [
  'active', 'alias', 'chat_only', 'created_at', 'custom_role_id', 'default_group_id', 'details', 'email',
  'external_id', 'iana_time_zone', 'id', 'last_login_at', 'locale', 'locale_id', 'moderator', 'name', 'notes',
  'only_private_comments', 'organization_id', 'phone', 'photo', 'report_csv', 'restricted_agent', 'role',
  'role_type', 'shared', 'shared_agent', 'shared_phone_number', 'signature', 'suspended', 'tags',
  'ticket_restriction', 'time_zone', 'two_factor_auth_enabled', 'updated_at', 'url', 'user_fields', 'verified',
]; // prettier-ignore
/** Ticket Metrics (../shared/reference/zendesk-api.md §6.5; `reply_time_in_seconds` is for messaging tickets only). */
const TICKET_METRIC = [
  'id', 'ticket_id', 'url', 'created_at', 'updated_at', 'assigned_at', 'initially_assigned_at',
  'assignee_updated_at', 'requester_updated_at', 'status_updated_at', 'custom_status_updated_at',
  'latest_comment_added_at', 'solved_at', 'assignee_stations', 'group_stations', 'reopens', 'replies',
  'reply_time_in_minutes', 'first_resolution_time_in_minutes', 'full_resolution_time_in_minutes',
  'agent_wait_time_in_minutes', 'requester_wait_time_in_minutes', 'on_hold_time_in_minutes',
]; // prettier-ignore
/** Ticket Audits' JSON format, and the Comment, Create and Change events of the audit events reference. */
const AUDIT = ['author_id', 'created_at', 'events', 'id', 'metadata', 'ticket_id', 'via'];
const COMMENT_EVENT = [
  'id',
  'type',
  'author_id',
  'body',
  'html_body',
  'plain_body',
  'public',
  'attachments',
  'audit_id',
];
const CREATE_EVENT = ['id', 'type', 'field_name', 'value'];
const CHANGE_EVENT = [...CREATE_EVENT, 'previous_value'];
/** An item of the ticket events export, as Zendesk writes it (the sample in libs/stats/src/solves.spec.ts). */
const TICKET_EVENT = [
  'id',
  'ticket_id',
  'timestamp',
  'created_at',
  'updater_id',
  'via',
  'event_type',
  'child_events',
];
/** Envelopes: reference §6.2 (search, export), §6.4 (incremental exports), §6.7 (pagination). */
const SEARCH_PAGE = ['results', 'facets', 'next_page', 'previous_page', 'count'];
const SEARCH_EXPORT_PAGE = ['results', 'facets', 'meta', 'links'];
const CURSOR_EXPORT_PAGE = [
  'tickets',
  'after_cursor',
  'after_url',
  'before_cursor',
  'before_url',
  'end_of_stream',
];
const TIME_EXPORT_PAGE = ['tickets', 'count', 'end_time', 'next_page', 'end_of_stream'];
const TIME_EVENTS_PAGE = ['ticket_events', 'count', 'end_time', 'next_page', 'end_of_stream'];
const OFFSET_PAGE = ['next_page', 'previous_page', 'count'];
const CURSOR_META = ['has_more', 'after_cursor', 'before_cursor'];
const CURSOR_LINKS = ['next', 'prev'];

type Json = Record<string, unknown>;
type Ticket = Json & {
  id: number;
  status: string;
  requester_id: number;
  url: string;
  generated_timestamp: number;
};
type User = Json & { id: number; email: string | null; role: string; url: string };

describe('node-zendesk 6.0.1 against the simulator', () => {
  let sim: Simulator;
  let client: ZendeskClient;
  /** What node-zendesk sent and received: its debug events carry each request's URL and each raw answer. */
  const wire = { requests: 0, urls: [] as string[], bodies: [] as Json[] };
  const figures = { fieldChecks: 0, objects: 0 };

  /** Runs one node-zendesk call; returns its result and the raw pages it read. */
  async function zendesk<T>(run: () => Promise<T>) {
    wire.urls = [];
    wire.bodies = [];
    const result = await run();
    return { result, urls: wire.urls, bodies: wire.bodies };
  }

  /** `object` has exactly the documented fields: a missing one fails the test by name, and so does an extra. */
  function expectShape(object: unknown, documented: readonly string[], kind: string) {
    const keys = Object.keys(object as Json);
    expect({ kind, missing: documented.filter((f) => !keys.includes(f)) }).toEqual({ kind, missing: [] });
    expect({ kind, extra: keys.filter((f) => !documented.includes(f)) }).toEqual({ kind, extra: [] });
    figures.fieldChecks += documented.length;
    figures.objects++;
  }

  function expectCursorPage(body: Json, listKey: string) {
    expectShape(body, [listKey, 'meta', 'links'], `${listKey} cursor page`);
    expectShape(body['meta'], CURSOR_META, 'meta');
    expectShape(body['links'], CURSOR_LINKS, 'links');
  }

  const ids = (items: { id: number }[]) => items.map((item) => item.id);
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  const visibleTruth = () => sim.truth.allTickets().filter((t) => !t.deleted);

  /** A requester with more tickets than an offset page holds (created ten minutes back, so exports see them). */
  let busy: RestUser;

  beforeAll(async () => {
    let lag = 600_000;
    sim = await startSimulator({
      tickets: 1_200,
      seed: 21,
      clock: () => Date.now() - lag,
      apiFaults: { errorRate: 0 },
      limits: { perMinute: 100_000, incrementalPerMinute: 1_000, ticketsIndexPerMinute: 1_000 },
    });
    busy = sim.world.directory.requesters[5]!;
    for (let i = 0; i < 130; i++) sim.world.createTicket({ requesterId: busy.id, subject: `Busy #${i}` });
    lag = 0;
    // Token auth as Zendesk takes it: the admin's email and an API token (`email/token:TOKEN`).
    client = createClient({ username: ADMIN_EMAIL, token: sim.apiToken, endpointUri: `${sim.url}/api/v2` });
    const apis = [
      client.tickets,
      client.ticketaudits,
      client.ticketmetrics,
      client.ticketexport,
      client.ticketevents,
      client.users,
      client.search,
    ];
    for (const api of apis) {
      api.on('debug::request', (event: { detail: { uri: string } }) => {
        wire.requests++;
        wire.urls.push(event.detail.uri);
      });
      api.on('debug::result', (event: { detail: Json }) => wire.bodies.push(event.detail));
    }
  });

  afterAll(async () => {
    await sim.close();
    console.log(
      `node-zendesk: ${wire.requests} HTTP requests, ${figures.objects} objects and envelopes checked, ` +
        `${figures.fieldChecks} documented fields`,
    );
  });

  it('lists and shows tickets (cursor pages of 100) with every documented ticket field', async () => {
    const { result, bodies } = await zendesk(() => client.tickets.list() as unknown as Promise<Ticket[]>);
    expect(sorted(ids(result))).toEqual(ids(visibleTruth()));
    expect(bodies.length).toBe(Math.ceil(result.length / 100));
    for (const body of bodies) expectCursorPage(body, 'tickets');
    for (const ticket of result) expectShape(ticket, TICKET, 'ticket');

    const one = result.find((t) => t.status === 'solved')!;
    const shown = (await client.tickets.show(one.id)).result as unknown as Ticket;
    expect(shown).toEqual(one);
    expect(shown.url).toBe(`${sim.url}/api/v2/tickets/${one.id}.json`);
  });

  it('shows ticket metrics, per ticket and listed', async () => {
    const id = visibleTruth()[3]!.id;
    const metric = (await client.ticketmetrics.list(id)).result as unknown as Json;
    expectShape(metric, TICKET_METRIC, 'ticket metric');
    expect(metric).toMatchObject({
      ticket_id: id,
      url: `${sim.url}/api/v2/ticket_metrics/${metric['id']}.json`,
    });
    const { result, bodies } = await zendesk(() => client.ticketmetrics.listAll() as Promise<Json[]>);
    expect(sorted(result.map((m) => m['ticket_id'] as number))).toEqual(ids(visibleTruth()));
    for (const body of bodies) expectCursorPage(body, 'ticket_metrics');
    expectShape(result[0], TICKET_METRIC, 'listed ticket metric');
  });

  it('lists users (cursor, role filter), shows one, finds one by email and shows the caller (me); URLs keep the port', async () => {
    const { directory } = sim.world;
    const { result, bodies } = await zendesk(() => client.users.list() as Promise<User[]>);
    expect(sorted(ids(result))).toEqual(sorted([...directory.usersById.keys()]));
    for (const body of bodies) expectCursorPage(body, 'users');
    for (const user of result) {
      expectShape(user, USER, 'user');
      expect(user.url).toBe(`${sim.url}/api/v2/users/${user.id}.json`);
    }
    const agents = (await client.users.listWithFilter('role', 'agent')) as User[];
    expect(ids(agents)).toEqual(directory.agents.filter((a) => a.role === 'agent').map((a) => a.id));

    const requester = directory.requesters.find((r) => /[A-Z]/.test(r.email))!;
    const shown = (await client.users.show(requester.id)).result as unknown as User;
    expect(shown).toEqual(result.find((u) => u.id === requester.id));
    const found = (await client.users.search({ query: `email:${requester.email.toLowerCase()}` })) as User[];
    expect(ids(found)).toEqual([requester.id]);

    // users.me(): who the credentials belong to (clients call it to check them).
    const me = (await client.users.me()).result as unknown as User;
    expectShape(me, USER, 'user');
    expect(me).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
  });

  it('lists a user’s requested tickets: the truth’s tickets of that requester', async () => {
    for (const requester of sim.world.directory.requesters.slice(0, 5)) {
      const { result, bodies } = await zendesk(
        () => client.tickets.listByUserRequested(requester.id) as unknown as Promise<Ticket[]>,
      );
      const truth = visibleTruth().filter((t) => t.requesterId === requester.id);
      expect(ids(result)).toEqual(ids(truth));
      for (const body of bodies) expectShape(body, ['tickets', ...OFFSET_PAGE], 'requested tickets page');
      for (const ticket of result) expectShape(ticket, TICKET, 'requested ticket');
    }
    // More than one offset page: node-zendesk follows next_page.
    const { result, bodies } = await zendesk(
      () => client.tickets.listByUserRequested(busy.id) as unknown as Promise<Ticket[]>,
    );
    expect(ids(result)).toEqual(ids(visibleTruth().filter((t) => t.requesterId === busy.id)));
    expect(result.length).toBeGreaterThan(100);
    expect(bodies.length).toBe(Math.ceil(result.length / 100));
    expect(bodies[0]!['next_page']).toBe(
      `${sim.url}/api/v2/users/${busy.id}/tickets/requested.json?page=2&per_page=100`,
    );
  });

  it('searches tickets by requester email (with status filters) and users by email, as the truth says', async () => {
    const requester = sim.world.directory.requesters[1]!;
    const email = requester.email.toLowerCase();
    const search = async (query: string) => {
      const { result, bodies } = await zendesk(() => client.search.query(query));
      const results = result.result as unknown as (Json & { id: number; result_type: string })[];
      for (const body of bodies) expectShape(body, SEARCH_PAGE, 'search page');
      expect(bodies[0]).toMatchObject({ facets: null, count: results.length, previous_page: null });
      return results;
    };

    const all = await search(`type:ticket requester:${email}`);
    const truth = visibleTruth().filter((t) => t.requesterId === requester.id);
    expect(ids(all)).toEqual(ids(truth));
    for (const ticket of all) {
      expectShape(ticket, [...TICKET, 'result_type'], 'ticket result');
      expect(ticket.result_type).toBe('ticket');
    }
    const unsolved = await search(`type:ticket requester:${email} status<solved`);
    expect(ids(unsolved)).toEqual(sim.truth.openTicketsByEmail()[email] ?? []);
    const open = await search(`type:ticket requester:${email} status:open`);
    expect(ids(open)).toEqual(ids(truth.filter((t) => t.status === 'open')));

    const users = await search(`type:user email:${requester.email.toUpperCase()}`);
    expect(ids(users)).toEqual([requester.id]);
    expectShape(users[0], [...USER, 'result_type'], 'user result');
    expect(users[0]!.result_type).toBe('user');

    // More than a page: queryAll follows next_page; the count endpoint agrees.
    const { result: every, bodies } = await zendesk(
      () => client.search.queryAll('type:ticket status:open') as Promise<Ticket[]>,
    );
    const openTruth = visibleTruth().filter((t) => t.status === 'open');
    expect(openTruth.length).toBeGreaterThan(100);
    expect(ids(every)).toEqual(ids(openTruth));
    expect(bodies.length).toBe(Math.ceil(openTruth.length / 100));
    const count = (await client.search.showResultsCount('type:ticket status:open')).result as unknown as Json;
    expect(count).toEqual({ count: openTruth.length });
  });

  it('exports search results by cursor (filter[type]) in creation order', async () => {
    const { result, bodies } = await zendesk(
      () => client.search.exportResults(`requester:${busy.email}`, 'ticket', 20) as Promise<Ticket[]>,
    );
    const truth = visibleTruth().filter((t) => t.requesterId === busy.id);
    expect(ids(result)).toEqual(ids(truth));
    expect(bodies.length).toBe(Math.ceil(truth.length / 20));
    for (const body of bodies) {
      expectShape(body, SEARCH_EXPORT_PAGE, 'search export page');
      expectShape(body['meta'], CURSOR_META, 'meta');
      expectShape(body['links'], CURSOR_LINKS, 'links');
    }
  });

  it('lists a ticket’s audits: status events are the truth’s history, events in the documented shapes', async () => {
    const busy = visibleTruth()
      .filter((t) => t.history.length >= 4)
      .slice(0, 10);
    expect(busy.length).toBe(10);
    for (const truth of busy) {
      const { result, bodies } = await zendesk(() => client.ticketaudits.list(truth.id) as Promise<Json[]>);
      for (const body of bodies) expectShape(body, ['audits', ...OFFSET_PAGE], 'audits page');
      const statuses: [unknown, unknown][] = [];
      for (const audit of result) {
        expectShape(audit, AUDIT, 'audit');
        expect(audit['ticket_id']).toBe(truth.id);
        for (const event of audit['events'] as Json[]) {
          const type = event['type'];
          expectShape(
            event,
            type === 'Comment' ? COMMENT_EVENT : type === 'Create' ? CREATE_EVENT : CHANGE_EVENT,
            `${type} event`,
          );
          if (event['field_name'] === 'status')
            statuses.push([event['previous_value'] ?? null, event['value']]);
        }
      }
      expect(statuses).toEqual(truth.history.map((h) => [h.from, h.to]));
    }
  });

  it('exports tickets by cursor (exportCursor) to end_of_stream: every ticket, deleted ones too', async () => {
    const seen = new Map<number, Ticket>();
    // node-zendesk sends `cursor=undefined` when none is given: an empty cursor asks for the first page.
    let page = (await client.ticketexport.exportCursor(0, '')).result as unknown as Json;
    for (let n = 0; ; n++) {
      expectShape(page, CURSOR_EXPORT_PAGE, 'cursor export page');
      for (const ticket of page['tickets'] as Ticket[]) seen.set(ticket.id, ticket);
      if (page['end_of_stream']) break;
      expect(page['after_url']).toMatch(new RegExp(`^${sim.url}/api/v2/incremental/tickets/cursor.json\\?`));
      page = (await client.ticketexport.exportCursor(0, page['after_cursor'] as string))
        .result as unknown as Json;
      expect(n).toBeLessThan(10);
    }
    expect(sorted([...seen.keys()])).toEqual([...sim.world.ids()]);
    expect([...seen.values()].some((t) => t.status === 'deleted')).toBe(true);
    for (const ticket of seen.values()) expectShape(ticket, TICKET, 'exported ticket');
  });

  it('exports tickets by time (start_time, next by end_time) comparing generated_timestamp', async () => {
    const seen = new Map<number, Ticket>();
    let start = 0;
    let pages = 0;
    for (;;) {
      const page = (await client.ticketexport.export(start)).result as unknown as Json;
      pages++;
      expectShape(page, TIME_EXPORT_PAGE, 'time-based export page');
      const tickets = page['tickets'] as Ticket[];
      expect(page['count']).toBe(tickets.length);
      for (const ticket of tickets) {
        expect(ticket.generated_timestamp).toBeGreaterThanOrEqual(start);
        seen.set(ticket.id, ticket);
      }
      expect(page['next_page']).toBe(
        `${sim.url}/api/v2/incremental/tickets.json?start_time=${page['end_time']}`,
      );
      if (page['end_of_stream']) break;
      expect(page['end_time']).toBeGreaterThan(start);
      start = page['end_time'] as number;
    }
    expect(pages).toBe(2);
    expect(sorted([...seen.keys()])).toEqual([...sim.world.ids()]);
    for (const ticket of seen.values()) expectShape(ticket, TICKET, 'time-exported ticket');
    // The deprecated tickets.incremental reads the same route (one page: node-zendesk does not follow exports).
    const first = (await client.tickets.incremental('0')) as Ticket[];
    expect(first.length).toBeGreaterThanOrEqual(1_000);
  });

  it('exports ticket events (time-based)', async () => {
    const { result, bodies } = await zendesk(() => client.ticketevents.incremental(0) as Promise<Json[]>);
    expectShape(bodies[0], TIME_EVENTS_PAGE, 'ticket events page');
    expect(result.length).toBeGreaterThanOrEqual(1_000);
    for (const item of result) expectShape(item, TICKET_EVENT, 'ticket event');
  });

  it('renders one ticket identically on every route', async () => {
    const page = (await client.ticketexport.export(0)).result as unknown as { tickets: Ticket[] };
    const exported = page.tickets.find((t) => t.status === 'pending')!;
    const { id, requester_id: requesterId } = exported;
    const email = sim.world.directory.usersById.get(requesterId)!.email;
    const shown = (await client.tickets.show(id)).result as unknown as Ticket;
    const requested = ((await client.tickets.listByUserRequested(requesterId)) as unknown as Ticket[]).find(
      (t) => t.id === id,
    );
    const searched = (
      (await client.search.query(`type:ticket requester:${email}`)).result as unknown as Ticket[]
    ).find((t) => t.id === id);
    const cursor = (await client.ticketexport.exportCursor(0, '')).result as unknown as { tickets: Ticket[] };
    expect(exported).toEqual(shown);
    expect(requested).toEqual(shown);
    expect(searched).toEqual({ ...shown, result_type: 'ticket' });
    expect(cursor.tickets.find((t) => t.id === id)).toEqual(shown);
  });
});

describe('node-zendesk and the export limits', () => {
  it('shares the incremental rate limit between the cursor and time-based exports; the last minute is refused', async () => {
    const sim = await startSimulator({
      tickets: 20,
      apiFaults: { errorRate: 0 },
      limits: { incrementalPerMinute: 3 },
    });
    try {
      const client = createClient({
        username: ADMIN_EMAIL,
        token: sim.apiToken,
        endpointUri: `${sim.url}/api/v2`,
      });
      await expect(client.ticketexport.export(Math.floor(Date.now() / 1000))).rejects.toThrow(/400/);
      await client.ticketexport.exportCursor(0, '');
      await client.ticketexport.export(0);
      // node-zendesk resolves a 429 (it sees Retry-After) with the error as its result.
      const limited = (await client.ticketexport.export(0)).result as unknown as { statusCode: number };
      expect(limited.statusCode).toBe(429);
    } finally {
      await sim.close();
    }
  });
});
