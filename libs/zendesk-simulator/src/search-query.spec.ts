import {
  compareTickets,
  parseSearchQuery,
  requesterIds,
  ticketMatches,
  userMatches,
  type TicketFacts,
  type UserFacts,
} from './search-query';

const ann: UserFacts = { id: 8, email: 'Ann.Lee.3@example.com', name: 'Ann Lee', role: 'end-user' };
const agent: UserFacts = { id: 2, email: 'agent1@support.example.com', name: 'Agent 1', role: 'admin' };
const ticket = (overrides: Partial<TicketFacts> = {}): TicketFacts => ({
  id: 1001,
  status: 'open',
  priority: 'normal',
  type: 'incident',
  requester: ann,
  submitter: ann,
  assignee: agent,
  groupId: 5,
  organizationId: null,
  tags: ['vip'],
  subject: 'Printer on fire (#1001)',
  description: 'Hello, printer on fire.',
  createdAt: Date.parse('2026-11-20T10:00:00Z'),
  updatedAt: Date.parse('2026-11-21T10:00:00Z'),
  ...overrides,
});
const finds = (query: string, facts = ticket()) => ticketMatches(facts, parseSearchQuery(query));

describe('search query', () => {
  it('parses type, keywords with operators, negation, quotes, free text, order_by and sort', () => {
    expect(
      parseSearchQuery(
        'type:ticket requester:"Ann Lee" status<solved -tags:spam printer order_by:updated sort:asc',
      ),
    ).toEqual({
      type: 'ticket',
      terms: [
        { keyword: 'requester', op: ':', value: 'Ann Lee', negated: false },
        { keyword: 'status', op: '<', value: 'solved', negated: false },
        { keyword: 'tags', op: ':', value: 'spam', negated: true },
        { keyword: null, op: ':', value: 'printer', negated: false },
      ],
      orderBy: 'updated_at',
      sort: 'asc',
    });
    // The API's sort_by/sort_order parameters win over the query's words.
    expect(parseSearchQuery('order_by:created', 'priority', 'desc')).toMatchObject({
      orderBy: 'priority',
      sort: 'desc',
    });
    // An unknown keyword is free text, as in Zendesk.
    expect(parseSearchQuery('flavour:lemon').terms).toEqual([
      { keyword: null, op: ':', value: 'flavour:lemon', negated: false },
    ]);
  });

  it('finds tickets by requester email in any case, id, name or none', () => {
    expect(finds('type:ticket requester:ann.lee.3@EXAMPLE.com')).toBe(true);
    expect(finds('requester:8')).toBe(true);
    expect(finds('requester:"ann lee"')).toBe(true);
    expect(finds('requester:bob@example.com')).toBe(false);
    expect(finds('assignee:none')).toBe(false);
    expect(finds('assignee:none', ticket({ assignee: null }))).toBe(true);
  });

  it('compares statuses and priorities on Zendesk’s scales (new < open < pending < hold < solved < closed)', () => {
    expect(finds('status<solved')).toBe(true);
    expect(finds('status<solved', ticket({ status: 'solved' }))).toBe(false);
    expect(finds('status<=solved', ticket({ status: 'solved' }))).toBe(true);
    expect(finds('status>pending', ticket({ status: 'hold' }))).toBe(true);
    expect(finds('status:open')).toBe(true);
    expect(finds('priority>normal')).toBe(false);
    expect(finds('priority>=normal')).toBe(true);
  });

  it('ORs one keyword’s alternatives, ANDs keywords and free text, and excludes negated terms', () => {
    expect(finds('status:pending status:open')).toBe(true);
    expect(finds('status:pending status:hold')).toBe(false);
    expect(finds('status:open tags:vip printer')).toBe(true);
    expect(finds('status:open tags:vip scanner')).toBe(false);
    expect(finds('status:open -tags:vip')).toBe(false);
    expect(finds('1001')).toBe(true);
  });

  it('matches dates by day with : and before/after the day with < and >', () => {
    expect(finds('created:2026-11-20')).toBe(true);
    expect(finds('created<2026-11-20')).toBe(false);
    expect(finds('created>2026-11-19 updated<2026-11-22')).toBe(true);
    expect(finds('created>2026-11-20')).toBe(false);
  });

  it('keeps tickets and users apart: type:, and keywords only one of them knows', () => {
    const query = (q: string) => parseSearchQuery(q);
    expect(userMatches(ann, query('type:user email:ann.lee.3@example.com'))).toBe(true);
    expect(userMatches(ann, query('email:ann.lee.3@example.com'))).toBe(true);
    expect(ticketMatches(ticket(), query('email:ann.lee.3@example.com'))).toBe(false);
    expect(userMatches(ann, query('requester:ann.lee.3@example.com'))).toBe(false);
    expect(userMatches(ann, query('type:ticket lee'))).toBe(false);
    expect(userMatches(agent, query('role:admin'))).toBe(true);
    expect(userMatches({ ...ann, email: null }, query('lee'))).toBe(true);
  });

  it('names the requesters to narrow the walk only when every requester term is an id or an email', () => {
    const users = new Map([['ann.lee.3@example.com', { id: 8 }]]) as never;
    expect(requesterIds(parseSearchQuery('requester:Ann.Lee.3@example.com requester:9'), users)).toEqual([
      8, 9,
    ]);
    expect(requesterIds(parseSearchQuery('requester:nobody@example.com'), users)).toEqual([]);
    expect(requesterIds(parseSearchQuery('requester:"Ann Lee"'), users)).toBeNull();
    expect(requesterIds(parseSearchQuery('status:open'), users)).toBeNull();
  });

  it('orders by order_by (descending unless sort:asc), then by id', () => {
    const a = ticket({ id: 1, priority: 'low', updatedAt: 3 });
    const b = ticket({ id: 2, priority: 'urgent', updatedAt: 2 });
    const c = ticket({ id: 3, priority: 'urgent', updatedAt: 1 });
    const ids = (q: string) => [c, a, b].sort(compareTickets(parseSearchQuery(q))).map((t) => t.id);
    expect(ids('status:open')).toEqual([1, 2, 3]);
    expect(ids('order_by:priority')).toEqual([2, 3, 1]);
    expect(ids('order_by:updated sort:asc')).toEqual([3, 2, 1]);
  });
});
