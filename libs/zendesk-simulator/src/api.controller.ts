import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import type { IncrementalTicketsPage, RestTicket } from '@ticketflow/zendesk';
import { visibleUntil } from './api-faults';
import { auditLogOf } from './audits';
import { metricEventLogOf } from './metric-events';
import { restCustomStatuses } from './directory';
import { ticketIdOf } from './lifecycle';
import { restTicket, restTicketMetric } from './rest-shapes';
import type { TicketState } from './model';
import { WorldError, type TicketPatch, World } from './world';

export const WORLD = Symbol('World');

type Query = Record<string, string | undefined>;

const fail = (status: number, error: string, description: string): never => {
  throw new HttpException({ error, description }, status);
};

const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function decodeCursor<T>(cursor: string): T {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    return fail(400, 'InvalidPaginationParameter', 'The cursor is invalid');
  }
}

function intParam(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    return fail(400, 'InvalidPaginationParameter', `${name} must be a positive integer`);
  return Math.min(n, max);
}

/** A time-based export's start_time: unix seconds, at least a minute old (Zendesk answers 400 otherwise). */
function exportStartTime(query: Query, now: number): number {
  const start = Number(query['start_time']);
  if (query['start_time'] === undefined || !Number.isInteger(start) || start < 0)
    fail(400, 'InvalidValue', 'start_time must be a unix timestamp in seconds');
  if (start * 1000 > now - 60_000)
    fail(400, 'InvalidValue', 'Too recent start_time. Use a start_time at least one minute in the past');
  return start;
}

function idParam(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0) fail(404, 'RecordNotFound', 'Not found');
  return id;
}

/** Zendesk Support API v2, as far as Ticketflow and common clients use it. */
@Controller('api/v2')
export class ZendeskApiController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  private visibleTicket(id: number): RestTicket {
    const state = this.world.state(id);
    if (!state || state.deleted) return fail(404, 'RecordNotFound', 'Not found');
    return restTicket(state, this.world.host);
  }

  private url(path: string, params: Record<string, string | number>) {
    return `${this.world.host}/api/v2/${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`;
  }

  @Get('tickets')
  listTickets(@Query() query: Query) {
    const size = query['page[size]'];
    if (size !== undefined) {
      // Cursor pagination: ids ascending (or descending with sort=-id), 100 per page at most.
      const pageSize = intParam(size, 'page[size]', 100, 100);
      const descending = query['sort'] === '-id';
      const page = this.cursorPage(query, pageSize, descending, restTicket);
      return {
        tickets: page.items,
        meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: page.beforeCursor },
        links: {
          next: this.nextPage('tickets.json', page, pageSize, descending ? { sort: '-id' } : {}),
          prev: null,
        },
      };
    }
    // Offset pagination: Zendesk refuses pages past the first 10,000 records.
    const page = intParam(query['page'], 'page', 1, Number.MAX_SAFE_INTEGER);
    const perPage = intParam(query['per_page'], 'per_page', 100, 100);
    if (page * perPage > 10_000)
      fail(
        400,
        'InvalidPaginationParameter',
        'Offset pagination is limited to the first 10000 records. Use cursor pagination.',
      );
    const all: RestTicket[] = [];
    for (const id of this.world.ids()) {
      const state = this.world.state(id);
      if (state && !state.deleted) all.push(restTicket(state, this.world.host));
      if (all.length > page * perPage) break;
    }
    const tickets = all.slice((page - 1) * perPage, page * perPage);
    const hasNext = all.length > page * perPage;
    return {
      tickets,
      next_page: hasNext ? this.url('tickets.json', { page: page + 1, per_page: perPage }) : null,
      previous_page: page > 1 ? this.url('tickets.json', { page: page - 1, per_page: perPage }) : null,
      count: this.world.ticketCount,
    };
  }

  private *orderedIds(descending: boolean, after: number | null): Generator<number> {
    const first = ticketIdOf(0);
    const last = ticketIdOf(this.world.ticketCount - 1);
    if (descending) for (let id = after === null ? last : after - 1; id >= first; id--) yield id;
    else for (let id = after === null ? first : after + 1; id <= last; id++) yield id;
  }

  @Get('tickets/show_many')
  showMany(@Query('ids') ids = '') {
    const list = ids.split(',').filter(Boolean).slice(0, 100).map(Number);
    const tickets = list.flatMap((id) => {
      const state = this.world.state(id);
      return state && !state.deleted ? [restTicket(state, this.world.host)] : [];
    });
    return { tickets, next_page: null, previous_page: null, count: tickets.length };
  }

  @Get('tickets/:id')
  showTicket(@Param('id') id: string) {
    return { ticket: this.visibleTicket(idParam(id)) };
  }

  /** Live API answers a single object here, although the docs show an array. */
  @Get('tickets/:id/metrics')
  ticketMetrics(@Param('id') id: string) {
    const state = this.world.state(idParam(id));
    if (!state || state.deleted) return fail(404, 'RecordNotFound', 'Not found');
    return { ticket_metric: restTicketMetric(state, this.world.host) };
  }

  @Get('ticket_metrics')
  listTicketMetrics(@Query() query: Query) {
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
    // Newest to oldest by creation, archived (here: deleted) tickets excluded.
    const page = this.cursorPage(query, pageSize, true, restTicketMetric);
    return {
      ticket_metrics: page.items,
      meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: null },
      links: {
        next: this.nextPage('ticket_metrics.json', page, pageSize),
        prev: null,
      },
    };
  }

  /** The `links.next` of a cursor page: the same query after its last item, or null on the last page. */
  private nextPage(
    path: string,
    page: { afterCursor: string | null; hasMore: boolean },
    pageSize: number,
    extra: Record<string, string> = {},
  ) {
    return page.afterCursor && page.hasMore
      ? this.url(path, { 'page[size]': pageSize, 'page[after]': page.afterCursor, ...extra })
      : null;
  }

  /** One page of visible (by default: not deleted) tickets by id after `page[after]`, rendered; cursors are ids. */
  private cursorPage<T>(
    query: Query,
    pageSize: number,
    descending: boolean,
    render: (state: TicketState, host: string) => T,
    visible: (state: TicketState) => boolean = (state) => !state.deleted,
  ) {
    const after = query['page[after]'] ? decodeCursor<number>(query['page[after]']) : null;
    const ids: number[] = [];
    const items: T[] = [];
    let hasMore = false;
    for (const id of this.orderedIds(descending, after)) {
      const state = this.world.state(id);
      if (!state || !visible(state)) continue;
      if (items.length === pageSize) {
        hasMore = true;
        break;
      }
      ids.push(id);
      items.push(render(state, this.world.host));
    }
    return {
      items,
      hasMore,
      afterCursor: ids.length ? encodeCursor(ids[ids.length - 1]) : null,
      beforeCursor: ids.length ? encodeCursor(ids[0]) : null,
    };
  }

  /** Soft-deleted tickets (restorable): a permanently deleted one is in neither this list nor show_many. */
  @Get('deleted_tickets')
  listDeletedTickets(@Query() query: Query) {
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
    const agent = this.world.directory.agents[0]!;
    const page = this.cursorPage(
      query,
      pageSize,
      false,
      (state) => ({
        id: state.seed.id,
        subject: state.seed.subject,
        actor: { id: agent.id, name: agent.name },
        deleted_at: new Date(state.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        previous_state: state.statusBeforeDelete,
      }),
      (state) => state.deleted === 'soft',
    );
    return {
      deleted_tickets: page.items,
      meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: page.beforeCursor },
      links: {
        next: this.nextPage('deleted_tickets.json', page, pageSize),
        prev: null,
      },
    };
  }

  @Get('ticket_metrics/:id')
  showTicketMetric(@Param('id') id: string) {
    const state = this.world.state(idParam(id) - 7_000_000);
    if (!state || state.deleted) return fail(404, 'RecordNotFound', 'Not found');
    return { ticket_metric: restTicketMetric(state, this.world.host) };
  }

  @Get('incremental/tickets/cursor')
  incrementalTickets(
    @Query() query: Query,
    @Res({ passthrough: true }) res: Response,
  ): IncrementalTicketsPage {
    if (res.locals['role'] !== 'admin')
      fail(
        403,
        'Forbidden',
        'You do not have access to this page. Please contact the account owner of this help desk for further help.',
      );
    const now = this.world.clock();
    const perPage = intParam(query['per_page'], 'per_page', 1000, 1000);
    let after: { at: number; id: number } | null = null;
    let fromMs = 0;
    if (query['cursor']) {
      after = decodeCursor<{ at: number; id: number }>(query['cursor']);
    } else if (query['start_time'] !== undefined) {
      const start = Number(query['start_time']);
      if (!Number.isInteger(start) || start < 0)
        fail(400, 'InvalidValue', 'start_time must be a unix timestamp in seconds');
      if (start * 1000 > now - 60_000)
        fail(400, 'InvalidValue', 'Too recent start_time. Use a start_time at least one minute in the past');
      fromMs = start * 1000;
    } else {
      fail(400, 'InvalidValue', 'start_time or cursor is required');
    }
    const excludeDeleted = query['exclude_deleted'] === 'true';
    const withMetrics = (query['include'] ?? '').split(',').includes('metric_sets');
    // The most recent minute is never exported: changes in it could still be racing.
    const untilMs = now - 60_000;
    const tickets: RestTicket[] = [];
    const metricSets = [];
    let position = after;
    let more = false;
    for (const candidate of this.world.inUpdateOrder(
      after,
      fromMs,
      Math.min(untilMs, visibleUntil(res, now)),
    )) {
      if (tickets.length === perPage) {
        more = true;
        break;
      }
      position = candidate;
      const state = this.world.state(candidate.id)!;
      if (excludeDeleted && state.deleted) continue;
      tickets.push(restTicket(state, this.world.host));
      if (withMetrics) metricSets.push(restTicketMetric(state, this.world.host));
    }
    const afterCursor = encodeCursor(position ?? { at: Math.max(0, fromMs - 1), id: 0 });
    const params = (cursor: string) => ({
      cursor,
      per_page: perPage,
      ...(withMetrics ? { include: 'metric_sets' } : {}),
    });
    return {
      tickets,
      ...(withMetrics ? { metric_sets: metricSets } : {}),
      after_cursor: afterCursor,
      before_cursor: after ? encodeCursor(after) : null,
      after_url: this.url('incremental/tickets/cursor.json', params(afterCursor)),
      before_url: null,
      end_of_stream: !more,
    };
  }

  /** Time-based incremental ticket events (status changes): next_page by start_time, end_of_stream, count. */
  @Get('incremental/ticket_events')
  incrementalTicketEvents(@Query() query: Query, @Res({ passthrough: true }) res: Response) {
    if (res.locals['role'] !== 'admin') fail(403, 'Forbidden', 'You do not have access to this page.');
    const now = this.world.clock();
    const start = exportStartTime(query, now);
    const perPage = intParam(query['per_page'], 'per_page', 1000, 1000);
    // Whole seconds, as Zendesk: the last minute is never exported.
    const untilMs = Math.floor((now - 60_000) / 1000) * 1000 - 1;
    const page = auditLogOf(this.world).page(start, untilMs, perPage, visibleUntil(res, now));
    return {
      ticket_events: page.items,
      next_page: this.url('incremental/ticket_events.json', { start_time: page.endTime }),
      count: page.items.length,
      end_of_stream: page.endOfStream,
      end_time: page.endTime,
    };
  }

  /**
   * Ticket metric events (S4), 100 at most per page: cursor-based with `page[size]` (and `page[after]`), else
   * time-based (`end_time`, never ending a page inside a second). The last minute is never exported.
   */
  @Get('incremental/ticket_metric_events')
  incrementalTicketMetricEvents(@Query() query: Query, @Res({ passthrough: true }) res: Response) {
    if (res.locals['role'] !== 'admin') fail(403, 'Forbidden', 'You do not have access to this page.');
    const now = this.world.clock();
    const start = exportStartTime(query, now);
    const untilMs = Math.min(Math.floor((now - 60_000) / 1000) * 1000 - 1, visibleUntil(res, now));
    const log = metricEventLogOf(this.world);
    if (query['page[size]'] !== undefined || query['page[after]'] !== undefined) {
      const size = intParam(query['page[size]'], 'page[size]', 100, 100);
      const after = query['page[after]']
        ? decodeCursor<{ at: number; id: number }>(query['page[after]'])
        : null;
      const page = log.page(start, untilMs, size, after);
      const cursor = page.last ? encodeCursor(page.last) : null;
      return {
        ticket_metric_events: page.events,
        meta: { has_more: page.hasMore, after_cursor: cursor, before_cursor: null },
        links: {
          next:
            page.hasMore && cursor
              ? this.url('incremental/ticket_metric_events.json', {
                  start_time: start,
                  'page[size]': size,
                  'page[after]': cursor,
                })
              : null,
          prev: null,
        },
        end_of_stream: !page.hasMore,
      };
    }
    const page = log.page(start, untilMs, 100, null, true);
    const last = page.events.length ? Math.floor(Date.parse(page.events.at(-1)!.time) / 1000) : null;
    // As the ticket-events export: the next page starts at the last second (its items come again), a page of
    // one second only ends a second later, and the end of the stream is the export's last second.
    const endTime = !page.hasMore ? Math.floor(untilMs / 1000) + 1 : last === start ? last + 1 : last!;
    return {
      ticket_metric_events: page.events,
      next_page: this.url('incremental/ticket_metric_events.json', { start_time: endTime }),
      count: page.events.length,
      end_of_stream: !page.hasMore,
      end_time: endTime,
    };
  }

  @Get('users/show_many')
  showManyUsers(@Query('ids') ids = '') {
    const users = ids
      .split(',')
      .filter(Boolean)
      .slice(0, 100)
      .flatMap((id) => {
        const user = this.world.directory.usersById.get(Number(id));
        return user ? [user] : [];
      });
    return { users, next_page: null, previous_page: null, count: users.length };
  }

  /** Users by id, cursor-paginated; `role[]=agent&role[]=admin` lists the agents (names for stats and reports). */
  @Get('users')
  listUsers(@Query() query: Query) {
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
    // Express gives `role[]` as one value or several; the next link carries them comma-separated.
    const wanted = [query['role[]'] ?? query['role'] ?? []].flat().flatMap((role) => String(role).split(','));
    const after = query['page[after]'] ? decodeCursor<number>(query['page[after]']) : 0;
    const matching = [...this.world.directory.usersById.values()]
      .filter((user) => user.id > after && (wanted.length === 0 || wanted.includes(user.role)))
      .sort((a, b) => a.id - b.id);
    const users = matching.slice(0, pageSize);
    const last = users[users.length - 1];
    const page = { afterCursor: last ? encodeCursor(last.id) : null, hasMore: matching.length > pageSize };
    return {
      users,
      meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: null },
      links: {
        next: this.nextPage(
          'users.json',
          page,
          pageSize,
          wanted.length ? { 'role[]': wanted.join(',') } : {},
        ),
        prev: null,
      },
    };
  }

  @Get('users/search')
  searchUsers(@Query('query') query = '', @Query('external_id') externalId?: string) {
    if (externalId !== undefined) return { users: [], next_page: null, previous_page: null, count: 0 };
    const term = query
      .replace(/^email:/i, '')
      .trim()
      .toLowerCase();
    if (!term) fail(400, 'InvalidValue', 'query is required');
    const exact = this.world.directory.usersByEmail.get(term);
    const users = exact
      ? [exact]
      : [...this.world.directory.usersById.values()]
          .filter((u) => u.email.toLowerCase().includes(term) || u.name.toLowerCase().includes(term))
          .slice(0, 100);
    return { users, next_page: null, previous_page: null, count: users.length };
  }

  @Get('users/:id')
  showUser(@Param('id') id: string) {
    const user = this.world.directory.usersById.get(idParam(id));
    if (!user) return fail(404, 'RecordNotFound', 'Not found');
    return { user };
  }

  @Get('groups')
  listGroups() {
    return {
      groups: this.world.directory.groups,
      next_page: null,
      previous_page: null,
      count: this.world.directory.groups.length,
    };
  }

  @Get('custom_statuses')
  customStatuses(@Query('status_categories') categories?: string) {
    const wanted = categories?.split(',');
    const all = restCustomStatuses(new Date(this.world.shape.start).toISOString());
    return { custom_statuses: wanted ? all.filter((s) => wanted.includes(s.status_category)) : all };
  }

  // ---- writes: each one fires the account's webhooks ----

  @Post('tickets')
  @HttpCode(201)
  createTicket(
    @Body()
    body: {
      ticket?: {
        subject?: string;
        priority?: 'low' | 'normal' | 'high' | 'urgent';
        requester_id?: number;
        requester?: { email?: string };
      };
    },
  ) {
    const input = body?.ticket;
    if (!input) return fail(400, 'InvalidValue', 'ticket is required');
    const email = input.requester?.email;
    if (email && !this.world.directory.usersByEmail.has(email.toLowerCase()))
      fail(422, 'RecordInvalid', 'Requester: unknown email in the simulator');
    const update = this.guard(() =>
      this.world.createTicket({
        subject: input.subject,
        priority: input.priority,
        requesterId: input.requester_id,
        requesterEmail: email,
      }),
    );
    return { ticket: restTicket(update.after, this.world.host) };
  }

  @Put('tickets/:id')
  updateTicket(
    @Param('id') id: string,
    @Body()
    body: {
      ticket?: {
        status?: TicketPatch['status'];
        custom_status_id?: number;
        assignee_id?: number | null;
        priority?: TicketPatch['priority'];
        comment?: { body: string; public?: boolean; author_id?: number };
      };
    },
  ) {
    const input = body?.ticket;
    if (!input) return fail(400, 'InvalidValue', 'ticket is required');
    const update = this.guard(() =>
      this.world.updateTicket(idParam(id), {
        status: input.status,
        customStatusId: input.custom_status_id,
        assigneeId: input.assignee_id,
        priority: input.priority,
        comment: input.comment
          ? { body: input.comment.body, public: input.comment.public, authorId: input.comment.author_id }
          : undefined,
      }),
    );
    return { ticket: restTicket(update.after, this.world.host) };
  }

  @Delete('tickets/:id')
  @HttpCode(204)
  deleteTicket(@Param('id') id: string) {
    this.guard(() => this.world.softDelete(idParam(id)));
  }

  @Put('deleted_tickets/:id/restore')
  restoreTicket(@Param('id') id: string) {
    this.guard(() => this.world.undelete(idParam(id)));
    return {};
  }

  @Delete('deleted_tickets/:id')
  @HttpCode(204)
  purgeTicket(@Param('id') id: string) {
    this.guard(() => this.world.permanentlyDelete(idParam(id)));
  }

  @Put('tickets/:id/mark_as_spam')
  markAsSpam(@Param('id') id: string) {
    this.guard(() => this.world.markAsSpam(idParam(id)));
    return {};
  }

  /** Merges the tickets in `ids` into ticket :id. */
  @Post('tickets/:id/merge')
  merge(@Param('id') id: string, @Body() body: { ids?: number[] }) {
    const target = idParam(id);
    for (const source of body?.ids ?? []) this.guard(() => this.world.merge(source, target));
    return { job_status: { id: `merge-${target}`, status: 'completed' } };
  }

  private guard<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof WorldError) fail(error.status, error.code, error.description);
      throw error;
    }
  }
}
