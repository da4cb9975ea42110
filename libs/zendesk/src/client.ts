import { backOff } from 'exponential-backoff';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { IncrementalTicketsPage, RestUser } from './rest-types';

export interface ZendeskClientOptions {
  /** https://<subdomain>.zendesk.com (or the simulator's URL). */
  baseUrl: string;
  /** API token auth: `email/token:TOKEN`. */
  email: string;
  apiToken: string;
  /** Client-side budget below the account limit, so Ticketflow leaves room for other integrations. */
  requestsPerMinute?: number;
  /** Attempts per request for 429/5xx/network errors before giving up. */
  attempts?: number;
  timeoutMs?: number;
}

export class ZendeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    body: string,
  ) {
    super(`Zendesk ${status} on ${path}: ${body.slice(0, 300)}`);
  }
}

export interface IncrementalTicketEventsPage {
  ticket_events: {
    id: number;
    ticket_id: number;
    timestamp: number;
    created_at: string;
    child_events: { event_type: string; field_name?: string; value?: unknown; previous_value?: unknown }[];
  }[];
  next_page: string | null;
  end_of_stream: boolean;
  end_time: number;
  count: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Zendesk Support API client: API-token auth, a client-side rate budget, Retry-After honoured on 429/503,
 * exponential backoff with jitter on 5xx and network errors (Zendesk fails 1-3 % of requests), bounded attempts.
 */
export class ZendeskClient {
  private readonly budget: RateLimiterMemory;
  private readonly authorization: string;

  constructor(private readonly options: ZendeskClientOptions) {
    this.budget = new RateLimiterMemory({ points: options.requestsPerMinute ?? 400, duration: 60 });
    this.authorization = `Basic ${Buffer.from(`${options.email}/token:${options.apiToken}`).toString('base64')}`;
  }

  async get<T>(pathOrUrl: string): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.options.baseUrl}${pathOrUrl}`;
    return backOff(() => this.once<T>(url), {
      numOfAttempts: this.options.attempts ?? 8,
      startingDelay: 200,
      maxDelay: 10_000,
      jitter: 'full',
      retry: (error: unknown) =>
        !(error instanceof ZendeskApiError) || error.status === 429 || error.status >= 500,
    });
  }

  private async once<T>(url: string): Promise<T> {
    for (;;) {
      try {
        await this.budget.consume('zendesk');
        break;
      } catch (rejection) {
        await sleep((rejection as { msBeforeNext?: number }).msBeforeNext ?? 1_000);
      }
    }
    const response = await fetch(url, {
      headers: { authorization: this.authorization, accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    if (response.ok) return (await response.json()) as T;
    const body = await response.text();
    const retryAfter = Number(response.headers.get('retry-after'));
    // Wait what Zendesk asks before the backoff's own retry.
    if ((response.status === 429 || response.status === 503) && retryAfter > 0)
      await sleep(retryAfter * 1000);
    throw new ZendeskApiError(response.status, new URL(url).pathname, body);
  }

  async showManyUsers(ids: string[]): Promise<RestUser[]> {
    const users: RestUser[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const page = await this.get<{ users: RestUser[] }>(
        `/api/v2/users/show_many.json?ids=${ids.slice(i, i + 100).join(',')}`,
      );
      users.push(...page.users);
    }
    return users;
  }

  incrementalTickets(
    position: { cursor: string } | { startTime: number },
    perPage = 1000,
  ): Promise<IncrementalTicketsPage> {
    const query =
      'cursor' in position
        ? `cursor=${encodeURIComponent(position.cursor)}`
        : `start_time=${position.startTime}`;
    return this.get(`/api/v2/incremental/tickets/cursor.json?${query}&per_page=${perPage}`);
  }

  incrementalTicketEvents(startTime: number): Promise<IncrementalTicketEventsPage> {
    return this.get(`/api/v2/incremental/ticket_events.json?start_time=${startTime}`);
  }
}
