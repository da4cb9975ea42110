import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { IncrementalTicketsPage, RestTicketMetric } from '@ticketflow/zendesk';
import { visibleUntil } from './api-faults';
import {
  apiUrl,
  decodeCursor,
  encodeCursor,
  EXPORT_HIDDEN_MS,
  exportStartTime,
  fail,
  intParam,
  timeBasedExportUntil,
  type QueryParams,
} from './api-helpers';
import { auditLogOf } from './audits';
import { metricEventLogOf } from './metric-events';
import type { TicketState } from './model';
import {
  restGroup,
  restTicket,
  restTicketMetric,
  restUser,
  type SimulatedRestGroup,
  type SimulatedRestUser,
} from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { timeBasedPage } from './time-based-page';
import { World } from './world';

/** Zendesk's incremental exports (admins only): tickets (cursor- and time-based), ticket events, ticket metric events. */
@Controller('api/v2')
export class IncrementalController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('incremental/tickets/cursor')
  incrementalTickets(
    @Query() query: QueryParams,
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
      fromMs = exportStartTime(query, now) * 1000;
    } else {
      fail(400, 'InvalidValue', 'start_time or cursor is required');
    }
    const excludeDeleted = query['exclude_deleted'] === 'true';
    const untilMs = now - EXPORT_HIDDEN_MS;
    const states: TicketState[] = [];
    let position = after;
    let more = false;
    for (const candidate of this.world.inUpdateOrder(
      after,
      fromMs,
      Math.min(untilMs, visibleUntil(res, now)),
    )) {
      if (states.length === perPage) {
        more = true;
        break;
      }
      position = candidate;
      const state = this.world.state(candidate.id)!;
      if (excludeDeleted && state.deleted) continue;
      states.push(state);
    }
    const afterCursor = encodeCursor(position ?? { at: Math.max(0, fromMs - 1), id: 0 });
    const include = query['include'];
    return {
      tickets: states.map((state) => restTicket(state, this.world.host)),
      ...this.sideloads(states, include),
      after_cursor: afterCursor,
      before_cursor: after ? encodeCursor(after) : null,
      after_url: apiUrl(this.world, 'incremental/tickets/cursor.json', {
        cursor: afterCursor,
        per_page: perPage,
        ...(include ? { include } : {}),
      }),
      before_url: null,
      end_of_stream: !more,
    };
  }

  /**
   * Time-based incremental tickets: tickets whose `generated_timestamp` is at or after `start_time`, in that order,
   * cut as every time-based export is (`timeBasedPage`: whole seconds, so a ticket can come twice); `next_page`
   * starts at `end_time`. The last minute is never exported.
   */
  @Get('incremental/tickets')
  incrementalTicketsByTime(@Query() query: QueryParams, @Res({ passthrough: true }) res: Response) {
    if (res.locals['role'] !== 'admin') fail(403, 'Forbidden', 'You do not have access to this page.');
    const now = this.world.clock();
    const start = exportStartTime(query, now);
    const perPage = intParam(query['per_page'], 'per_page', 1000, 1000);
    const untilMs = timeBasedExportUntil(now);
    const excludeDeleted = query['exclude_deleted'] === 'true';
    const world = this.world;
    function* states(): Generator<TicketState> {
      for (const { id } of world.inUpdateOrder(
        null,
        start * 1000,
        Math.min(untilMs, visibleUntil(res, now)),
      )) {
        const state = world.state(id)!;
        if (!excludeDeleted || !state.deleted) yield state;
      }
    }
    const page = timeBasedPage(
      states(),
      (state) => Math.floor(state.updatedAt / 1000),
      start,
      perPage,
      Math.floor(untilMs / 1000) + 1,
    );
    const params: Record<string, string | number> = { start_time: page.endTime };
    for (const name of ['per_page', 'include', 'exclude_deleted'] as const)
      if (query[name] !== undefined) params[name] = query[name]!;
    return {
      tickets: page.items.map((state) => restTicket(state, this.world.host)),
      ...this.sideloads(page.items, query['include']),
      next_page: apiUrl(this.world, 'incremental/tickets.json', params),
      count: page.items.length,
      end_of_stream: page.endOfStream,
      end_time: page.endTime,
    };
  }

  /** The ticket exports' `include` sideloads: `metric_sets` (one per ticket), `users`, `groups` (the ones referred to). */
  private sideloads(states: readonly TicketState[], include: string | undefined) {
    const wanted = new Set((include ?? '').split(','));
    const { directory, host } = this.world;
    const sideloaded: {
      metric_sets?: RestTicketMetric[];
      users?: SimulatedRestUser[];
      groups?: SimulatedRestGroup[];
    } = {};
    if (wanted.has('metric_sets'))
      sideloaded.metric_sets = states.map((state) => restTicketMetric(state, host));
    if (wanted.has('users')) {
      const ids = new Set(states.flatMap((s) => [s.seed.requesterId, s.assigneeId ?? s.seed.requesterId]));
      sideloaded.users = [...ids].flatMap((id) => {
        const user = directory.usersById.get(id);
        return user ? [restUser(user, host)] : [];
      });
    }
    if (wanted.has('groups')) {
      const ids = new Set(states.map((state) => state.seed.groupId));
      sideloaded.groups = directory.groups
        .filter((group) => ids.has(group.id))
        .map((group) => restGroup(group, host));
    }
    return sideloaded;
  }

  /** Time-based incremental ticket events (status changes): next_page by start_time, end_of_stream, count. */
  @Get('incremental/ticket_events')
  incrementalTicketEvents(@Query() query: QueryParams, @Res({ passthrough: true }) res: Response) {
    if (res.locals['role'] !== 'admin') fail(403, 'Forbidden', 'You do not have access to this page.');
    const now = this.world.clock();
    const start = exportStartTime(query, now);
    const perPage = intParam(query['per_page'], 'per_page', 1000, 1000);
    const untilMs = timeBasedExportUntil(now);
    const page = auditLogOf(this.world).page(start, untilMs, perPage, visibleUntil(res, now));
    return {
      ticket_events: page.items,
      next_page: apiUrl(this.world, 'incremental/ticket_events.json', { start_time: page.endTime }),
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
  incrementalTicketMetricEvents(@Query() query: QueryParams, @Res({ passthrough: true }) res: Response) {
    if (res.locals['role'] !== 'admin') fail(403, 'Forbidden', 'You do not have access to this page.');
    const now = this.world.clock();
    const start = exportStartTime(query, now);
    const untilMs = Math.min(timeBasedExportUntil(now), visibleUntil(res, now));
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
              ? apiUrl(this.world, 'incremental/ticket_metric_events.json', {
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
      next_page: apiUrl(this.world, 'incremental/ticket_metric_events.json', { start_time: endTime }),
      count: page.events.length,
      end_of_stream: !page.hasMore,
      end_time: endTime,
    };
  }
}
