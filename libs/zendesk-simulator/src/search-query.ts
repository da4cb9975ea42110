import type { RestUser } from '@ticketflow/zendesk';
import { tagsOf, type TicketState } from './model';

// Zendesk's search syntax, the part the simulator understands: `type:`, `keyword:value` (also `<`, `>`, `<=`, `>=`
// for statuses, priorities and dates), `-keyword:value` to exclude, quoted values, free text, `order_by:` and
// `sort:`. Unknown keywords are free text, as Zendesk treats them.

export type SearchType = 'ticket' | 'user' | 'organization' | 'group';
export type Operator = ':' | '<' | '>' | '<=' | '>=';
export type OrderBy = 'created_at' | 'updated_at' | 'priority' | 'status' | 'ticket_type';

export interface SearchTerm {
  /** null for free text. */
  keyword: string | null;
  op: Operator;
  value: string;
  negated: boolean;
}

export interface SearchQuery {
  /** null: every type. */
  type: SearchType | null;
  terms: SearchTerm[];
  orderBy: OrderBy | null;
  sort: 'asc' | 'desc' | null;
}

/** What a search can ask of a user. */
export interface UserFacts {
  id: number;
  email: string | null;
  name: string;
  role: string;
}

/** What a search can ask of a ticket. */
export interface TicketFacts {
  id: number;
  status: string;
  priority: string;
  type: string;
  requester: UserFacts | null;
  submitter: UserFacts | null;
  assignee: UserFacts | null;
  groupId: number;
  organizationId: number | null;
  tags: readonly string[];
  subject: string;
  description: string;
  createdAt: number;
  updatedAt: number;
}

const TYPES: readonly SearchType[] = ['ticket', 'user', 'organization', 'group'];
/** Zendesk orders statuses and priorities this way for `<` and `>`. */
const STATUS_ORDER = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITY_ORDER = ['low', 'normal', 'high', 'urgent'];
const ORDER_BY: Record<string, OrderBy> = {
  created: 'created_at',
  created_at: 'created_at',
  updated: 'updated_at',
  updated_at: 'updated_at',
  priority: 'priority',
  status: 'status',
  ticket_type: 'ticket_type',
};

type Matcher<T> = (facts: T, term: SearchTerm) => boolean;

const lower = (value: string | null | undefined) => (value ?? '').toLowerCase();

/** `none`, an id, an email (any case) or a full name (any case), as Zendesk's user keywords take them. */
const isUser = (user: UserFacts | null, value: string) => {
  const wanted = value.toLowerCase();
  if (wanted === 'none') return user === null;
  if (!user) return false;
  if (/^\d+$/.test(wanted)) return user.id === Number(wanted);
  return wanted.includes('@') ? lower(user.email) === wanted : lower(user.name) === wanted;
};

/** Compares on an ordered scale (statuses, priorities); unknown values match nothing. */
const ordered =
  (scale: readonly string[]) =>
  (actual: string, { op, value }: SearchTerm): boolean => {
    const a = scale.indexOf(actual);
    const b = scale.indexOf(value.toLowerCase());
    if (a < 0 || b < 0) return false;
    return compare(a - b, op);
  };

function compare(difference: number, op: Operator): boolean {
  switch (op) {
    case ':':
      return difference === 0;
    case '<':
      return difference < 0;
    case '>':
      return difference > 0;
    case '<=':
      return difference <= 0;
    case '>=':
      return difference >= 0;
  }
}

/** A date (`2024-05-01`) or a time (ISO 8601); `:` is the whole day of a date, `<`/`>` exclude it. */
function byDate(ms: number, { op, value }: SearchTerm): boolean {
  const dayOnly = /^\d{4}-\d\d-\d\d$/.test(value);
  const start = Date.parse(dayOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(start)) return false;
  const end = dayOnly ? start + 86_400_000 : start + 1000;
  if (op === ':') return ms >= start && ms < end;
  if (op === '<') return ms < start;
  if (op === '<=') return ms < end;
  if (op === '>') return ms >= end;
  return ms >= start;
}

const contains = (text: string, value: string) => text.toLowerCase().includes(value.toLowerCase());

const TICKET_KEYWORDS: Record<string, Matcher<TicketFacts>> = {
  requester: (t, term) => isUser(t.requester, term.value),
  submitter: (t, term) => isUser(t.submitter, term.value),
  assignee: (t, term) => isUser(t.assignee, term.value),
  status: (t, term) => ordered(STATUS_ORDER)(t.status, term),
  priority: (t, term) => ordered(PRIORITY_ORDER)(t.priority, term),
  ticket_type: (t, term) => t.type === term.value.toLowerCase(),
  tags: (t, term) => t.tags.includes(term.value.toLowerCase()),
  tag: (t, term) => t.tags.includes(term.value.toLowerCase()),
  group: (t, term) => String(t.groupId) === term.value,
  organization: (t, term) =>
    term.value.toLowerCase() === 'none' ? t.organizationId === null : String(t.organizationId) === term.value,
  created: (t, term) => byDate(t.createdAt, term),
  updated: (t, term) => byDate(t.updatedAt, term),
  subject: (t, term) => contains(t.subject, term.value),
  description: (t, term) => contains(t.description, term.value),
};

const USER_KEYWORDS: Record<string, Matcher<UserFacts>> = {
  email: (u, term) => lower(u.email) === term.value.toLowerCase(),
  name: (u, term) => contains(u.name, term.value),
  role: (u, term) => u.role === term.value.toLowerCase(),
};

const KEYWORDS = new Set([...Object.keys(TICKET_KEYWORDS), ...Object.keys(USER_KEYWORDS)]);

const TOKEN = /-?(?:[^\s"]*"[^"]*"?)+|\S+/g;
const KEYWORD = /^(-)?([a-z_]+)(<=|>=|:|<|>)(.*)$/i;
const unquote = (value: string) => value.replace(/"/g, '');

/** Parses a search query; `sortBy`/`sortOrder` are the API's `sort_by`/`sort_order` parameters. */
export function parseSearchQuery(text: string, sortBy?: string, sortOrder?: string): SearchQuery {
  const query: SearchQuery = { type: null, terms: [], orderBy: null, sort: null };
  for (const token of text.match(TOKEN) ?? []) {
    const match = KEYWORD.exec(token);
    const keyword = match?.[2]!.toLowerCase();
    const value = unquote(match?.[4] ?? '');
    if (match && keyword === 'type' && TYPES.includes(value.toLowerCase() as SearchType))
      query.type = value.toLowerCase() as SearchType;
    else if (match && keyword === 'order_by' && ORDER_BY[value.toLowerCase()])
      query.orderBy = ORDER_BY[value.toLowerCase()]!;
    else if (match && keyword === 'sort' && /^(asc|desc)$/i.test(value))
      query.sort = value.toLowerCase() as 'asc' | 'desc';
    else if (match && keyword && KEYWORDS.has(keyword) && value)
      query.terms.push({ keyword, op: match[3] as Operator, value, negated: match[1] === '-' });
    else {
      const negated = token.startsWith('-') && token.length > 1;
      query.terms.push({
        keyword: null,
        op: ':',
        value: unquote(negated ? token.slice(1) : token),
        negated,
      });
    }
  }
  if (sortBy && ORDER_BY[sortBy]) query.orderBy = ORDER_BY[sortBy]!;
  if (sortOrder === 'asc' || sortOrder === 'desc') query.sort = sortOrder;
  return query;
}

const ticketText = (t: TicketFacts, value: string) =>
  String(t.id) === value || contains(t.subject, value) || contains(t.description, value);
const userText = (u: UserFacts, value: string) => contains(u.name, value) || contains(u.email ?? '', value);

/**
 * Whether `facts` match every term: terms of one keyword with `:` are alternatives (`status:open status:pending`),
 * other terms all apply, negated ones must not match. A keyword the type does not know matches nothing.
 */
function matches<T>(
  facts: T,
  query: SearchQuery,
  keywords: Record<string, Matcher<T>>,
  text: (facts: T, value: string) => boolean,
): boolean {
  const alternatives = new Map<string, boolean>();
  for (const term of query.terms) {
    const matcher = term.keyword === null ? null : keywords[term.keyword];
    const hit = term.keyword === null ? text(facts, term.value) : matcher ? matcher(facts, term) : false;
    if (term.negated) {
      if (hit) return false;
    } else if (term.keyword !== null && term.op === ':') {
      alternatives.set(term.keyword, (alternatives.get(term.keyword) ?? false) || hit);
    } else if (!hit) return false;
  }
  return [...alternatives.values()].every(Boolean);
}

export const ticketMatches = (facts: TicketFacts, query: SearchQuery) =>
  (query.type === null || query.type === 'ticket') && matches(facts, query, TICKET_KEYWORDS, ticketText);

export const userMatches = (facts: UserFacts, query: SearchQuery) =>
  (query.type === null || query.type === 'user') && matches(facts, query, USER_KEYWORDS, userText);

/** User ids a query's requester terms name (ids, emails), to narrow the tickets searched; null when none. */
export function requesterIds(
  query: SearchQuery,
  usersByEmail: ReadonlyMap<string, RestUser>,
): number[] | null {
  const named = query.terms.filter((t) => t.keyword === 'requester' && t.op === ':' && !t.negated);
  if (named.length === 0 || named.some((t) => !/^\d+$/.test(t.value) && !t.value.includes('@'))) return null;
  return named.flatMap((t) => {
    if (/^\d+$/.test(t.value)) return [Number(t.value)];
    const user = usersByEmail.get(t.value.toLowerCase());
    return user ? [user.id] : [];
  });
}

const userFacts = (user: RestUser | undefined): UserFacts | null =>
  user ? { id: user.id, email: user.email, name: user.name, role: user.role } : null;

/** A ticket's searchable facts; users are looked up by id. */
export function ticketFacts(state: TicketState, usersById: ReadonlyMap<number, RestUser>): TicketFacts {
  const { seed } = state;
  return {
    id: seed.id,
    status: state.status,
    priority: state.priority,
    type: seed.type,
    requester: userFacts(usersById.get(seed.requesterId)),
    submitter: userFacts(usersById.get(seed.requesterId)),
    assignee: state.assigneeId === null ? null : userFacts(usersById.get(state.assigneeId)),
    groupId: seed.groupId,
    organizationId: seed.organizationId,
    tags: tagsOf(state),
    subject: seed.subject,
    description: seed.description,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

/** The order of `order_by:`/`sort:` (descending unless `sort:asc`); by id otherwise. */
export function compareTickets(query: SearchQuery): (a: TicketFacts, b: TicketFacts) => number {
  const key = query.orderBy;
  if (key === null) return (a, b) => a.id - b.id;
  const direction = query.sort === 'asc' ? 1 : -1;
  const value = (t: TicketFacts): number | string =>
    key === 'created_at'
      ? t.createdAt
      : key === 'updated_at'
        ? t.updatedAt
        : key === 'priority'
          ? PRIORITY_ORDER.indexOf(t.priority)
          : key === 'status'
            ? STATUS_ORDER.indexOf(t.status)
            : t.type;
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    return (x < y ? -direction : x > y ? direction : 0) || a.id - b.id;
  };
}
