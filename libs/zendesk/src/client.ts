import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { IncrementalTicketsPage, RestGroup, RestTicket, RestUser } from './rest-types';

export interface ZendeskClientOptions {
  /** https://<subdomain>.zendesk.com (or the simulator's URL). */
  baseUrl: string;
  /** API token auth: `email/token:TOKEN`. */
  email: string;
  apiToken: string;
  /** Client-side budget below the account limit, so Ticketflow leaves room for other integrations. */
  requestsPerMinute?: number;
  /** Attempts per request for 5xx, network errors, timeouts and cut bodies before giving up (429s do not count). */
  attempts?: number;
  /** Deadline of one attempt, answer and body included. */
  timeoutMs?: number;
  /** Backoff: full jitter over min(cap, base × 2^failures). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /**
   * The incremental-export budget (Zendesk: 10 requests/min per account), when shared with other processes
   * (e.g. a `RateLimiterPostgres`); each incremental request takes a point, waiting for one if need be.
   */
  incrementalLimiter?: RateLimiterAbstract;
  /** Told of every answer (status code, or `timeout` / `network`), for metrics. */
  onResponse?: (endpoint: string, outcome: string) => void;
  /** Told of every retry and its reason. */
  onRetry?: (reason: RetryReason) => void;
}

export type RetryReason = 'rate-limited' | 'server-error' | 'timeout' | 'network' | 'invalid-body';

export class ZendeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    body: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(`Zendesk ${status} on ${path}: ${body.slice(0, 300)}`);
  }
}

/** A 200 whose body cannot be the page asked for (cut, not JSON, a count that is not its items): retried. */
export class ZendeskInvalidBody extends Error {}

/** The client was closed (its service is stopping): no retry, no wait. */
type CursorPage<T> = Record<string, T[] | unknown> & {
  meta?: { has_more: boolean };
  links: { next: string | null };
};

export class ZendeskClientClosed extends Error {
  constructor() {
    super('Zendesk client closed');
  }
}

/**
 * One child event of an audit, in the audits API's form (`field_name`, `value`). The incremental export writes field
 * changes keyed by the field instead (`{ "status": "solved", "previous_value": "open" }`); the client turns
 * those into this form.
 */
export interface TicketChildEvent {
  id?: number;
  event_type: string;
  field_name?: string;
  value?: unknown;
  previous_value?: unknown;
}

export interface IncrementalTicketEventsPage {
  ticket_events: {
    id: number;
    ticket_id: number;
    timestamp: number;
    created_at: string;
    updater_id?: number;
    child_events: TicketChildEvent[];
  }[];
  next_page: string | null;
  end_of_stream: boolean;
  end_time: number;
  count: number;
  /** The page size this page was fetched with (halved after 504s). */
  perPage: number;
  /** The server's clock (HTTP `Date`), in unix seconds. */
  serverTime: number | null;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/**
 * Zendesk Support API client: API-token auth, a client-side rate budget, an optional shared budget for incremental
 * exports, a deadline per attempt, and retries with full-jitter exponential backoff on 5xx, network errors,
 * timeouts and cut bodies (Zendesk fails 1-3 % of requests). A 429 waits its Retry-After and never uses up an
 * attempt; a 503 waits the longer of Retry-After and the backoff. Page endpoints halve `per_page` on a 504.
 */
export class ZendeskClient {
  private readonly budget: RateLimiterMemory;
  private readonly authorization: string;
  private readonly closing = new AbortController();

  constructor(private readonly options: ZendeskClientOptions) {
    this.budget = new RateLimiterMemory({ points: options.requestsPerMinute ?? 400, duration: 60 });
    this.authorization = `Basic ${Buffer.from(`${options.email}/token:${options.apiToken}`).toString('base64')}`;
  }

  /**
   * Ends every call in flight or waiting (retry backoff, rate limit) with ZendeskClientClosed: a stopping
   * service must not wait minutes for a Zendesk that may be gone.
   */
  close(): void {
    this.closing.abort();
  }

  /** GET with retries; `validate` names what is wrong with a 200 body that must be fetched again. */
  async get<T>(
    pathOrUrl: string,
    options: { validate?: (body: T) => string | null; retryOn504?: boolean } = {},
  ): Promise<T> {
    return (await this.fetchJson<T>(pathOrUrl, options)).body;
  }

  private async fetchJson<T>(
    pathOrUrl: string,
    { validate, retryOn504 = true }: { validate?: (body: T) => string | null; retryOn504?: boolean },
  ): Promise<{ body: T; date: string | null }> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.options.baseUrl}${pathOrUrl}`;
    const attempts = this.options.attempts ?? 8;
    let failures = 0;
    let limited = 0;
    for (;;) {
      try {
        if (this.closing.signal.aborted) throw new ZendeskClientClosed();
        return await this.once<T>(url, validate);
      } catch (error) {
        if (this.closing.signal.aborted) throw new ZendeskClientClosed();
        const reason = retryReasonOf(error);
        if (reason === null || (!retryOn504 && error instanceof ZendeskApiError && error.status === 504))
          throw error;
        // A 429 waits and never uses up an attempt; its own count only stretches the backoff.
        const exponent = reason === 'rate-limited' ? ++limited : ++failures;
        if (reason !== 'rate-limited' && failures >= attempts) throw error;
        const ceiling = Math.min(
          this.options.backoffCapMs ?? 30_000,
          (this.options.backoffBaseMs ?? 500) * 2 ** exponent,
        );
        const asked = error instanceof ZendeskApiError ? (error.retryAfterMs ?? 0) : 0;
        this.options.onRetry?.(reason);
        await sleep(Math.max(asked, Math.random() * ceiling), this.closing.signal);
      }
    }
  }

  private async once<T>(
    url: string,
    validate?: (body: T) => string | null,
  ): Promise<{ body: T; date: string | null }> {
    const path = new URL(url).pathname;
    for (;;) {
      try {
        await this.budget.consume('zendesk');
        // Per account: services calling two Zendesk accounts from one database keep two budgets.
        if (path.includes('/incremental/'))
          await this.options.incrementalLimiter?.consume(`incremental:${new URL(url).host}`);
        break;
      } catch (rejection) {
        // The shared budget's store is down: send anyway, Zendesk's own 429s pace us until it is back.
        if (rejection instanceof Error) break;
        await sleep((rejection as { msBeforeNext?: number }).msBeforeNext ?? 1_000, this.closing.signal);
        if (this.closing.signal.aborted) throw new ZendeskClientClosed();
      }
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 30_000), this.closing.signal]),
      });
      text = await response.text();
    } catch (error) {
      this.options.onResponse?.(path, (error as Error).name === 'TimeoutError' ? 'timeout' : 'network');
      throw error;
    }
    this.options.onResponse?.(path, String(response.status));
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ZendeskApiError(response.status, path, text, retryAfter > 0 ? retryAfter * 1000 : null);
    }
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      throw new ZendeskInvalidBody(`Zendesk 200 on ${path}: not JSON (${text.length} bytes)`);
    }
    const wrong = validate?.(body);
    if (wrong) throw new ZendeskInvalidBody(`Zendesk 200 on ${path}: ${wrong}`);
    return { body, date: response.headers.get('date') };
  }

  /** A page endpoint: `per_page` halved after each 504 ("upstream request timeout" on big pages), down to 1. */
  private async page<T>(
    path: (perPage: number) => string,
    perPage: number,
    validate?: (body: T) => string | null,
  ): Promise<{ body: T; date: string | null; perPage: number }> {
    for (;;) {
      try {
        return {
          ...(await this.fetchJson<T>(path(perPage), { validate, retryOn504: perPage === 1 })),
          perPage,
        };
      } catch (error) {
        if (!(error instanceof ZendeskApiError && error.status === 504) || perPage === 1) throw error;
        perPage = Math.max(1, Math.floor(perPage / 2));
        this.options.onRetry?.('server-error');
      }
    }
  }

  /** Every record of a cursor-paginated list (`/api/v2/groups.json`, `deleted_tickets`...), 100 a page. */
  async listAll<T>(path: string, key: string): Promise<T[]> {
    const records: T[] = [];
    let next: string | null = `${path}${path.includes('?') ? '&' : '?'}page[size]=100`;
    while (next) {
      const page: CursorPage<T> = await this.get<CursorPage<T>>(next);
      records.push(...((page[key] as T[] | undefined) ?? []));
      next = page.meta?.has_more ? page.links.next : null;
    }
    return records;
  }

  /** The account's groups (the teams tickets are assigned to). */
  groups(): Promise<RestGroup[]> {
    return this.listAll<RestGroup>('/api/v2/groups.json', 'groups');
  }

  /** Users by id, 100 per request; an id Zendesk does not know is left out. */
  showManyUsers(ids: string[]): Promise<RestUser[]> {
    return this.showMany<RestUser>('users', ids);
  }

  /** Tickets by id, 100 per request; deleted tickets are not returned. */
  showManyTickets(ids: string[]): Promise<RestTicket[]> {
    return this.showMany<RestTicket>('tickets', ids);
  }

  private async showMany<T>(resource: 'users' | 'tickets', ids: string[]): Promise<T[]> {
    const found: T[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const page = await this.get<Record<string, T[]>>(
        `/api/v2/${resource}/show_many.json?ids=${ids.slice(i, i + 100).join(',')}`,
      );
      found.push(...(page[resource] ?? []));
    }
    return found;
  }

  /** One page of the ticket cursor export, with the server's clock. */
  async incrementalTickets(
    position: { cursor: string } | { startTime: number },
    perPage = 1000,
  ): Promise<IncrementalTicketsPage & { serverTime: number | null }> {
    const query =
      'cursor' in position
        ? `cursor=${encodeURIComponent(position.cursor)}`
        : `start_time=${position.startTime}`;
    const { body, date } = await this.page<IncrementalTicketsPage>(
      (size) => `/api/v2/incremental/tickets/cursor.json?${query}&per_page=${size}`,
      perPage,
      (page) => (Array.isArray(page.tickets) ? null : 'no tickets array'),
    );
    return { ...body, serverTime: unixSecondsOf(date) };
  }

  /** One page of the time-based ticket events export, child events in one form, with the server's clock. */
  async incrementalTicketEvents(startTime: number, perPage = 1000): Promise<IncrementalTicketEventsPage> {
    const {
      body,
      date,
      perPage: used,
    } = await this.page<IncrementalTicketEventsPage>(
      (size) => `/api/v2/incremental/ticket_events.json?start_time=${startTime}&per_page=${size}`,
      perPage,
      (page) =>
        !Array.isArray(page.ticket_events)
          ? 'no ticket_events array'
          : page.count !== page.ticket_events.length
            ? `count ${page.count} but ${page.ticket_events.length} items`
            : null,
    );
    for (const audit of body.ticket_events)
      audit.child_events = (audit.child_events ?? []).map(normalizeChildEvent);
    const serverMs = date ? Date.parse(date) : NaN;
    return {
      ...body,
      perPage: used,
      serverTime: Number.isNaN(serverMs) ? null : Math.floor(serverMs / 1000),
    };
  }
}

/** An HTTP Date header as unix seconds, null when absent or unreadable. */
function unixSecondsOf(date: string | null): number | null {
  const ms = date ? Date.parse(date) : NaN;
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** Why a failed attempt is worth another, or null when it is not (a 4xx other than 429). */
export function retryReasonOf(error: unknown): RetryReason | null {
  if (error instanceof ZendeskApiError) {
    if (error.status === 429) return 'rate-limited';
    if (error.status >= 500) return 'server-error';
    return null;
  }
  if (error instanceof ZendeskInvalidBody) return 'invalid-body';
  // By name: fetch's abort reason is a DOMException, from another realm under Jest.
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  return 'network';
}

/** Fields of a field-keyed child event that are not the field itself. */
const CHILD_EVENT_KEYS = new Set(['id', 'via', 'via_reference_id', 'event_type', 'type', 'previous_value']);

/** The audits API's form of a child event (`field_name`, `value`) from either form. */
export function normalizeChildEvent(child: TicketChildEvent): TicketChildEvent {
  if (child.field_name !== undefined || (child.event_type !== 'Change' && child.event_type !== 'Create'))
    return child;
  const field = Object.keys(child).find((key) => !CHILD_EVENT_KEYS.has(key));
  return field === undefined
    ? child
    : { ...child, field_name: field, value: (child as unknown as Record<string, unknown>)[field] };
}
