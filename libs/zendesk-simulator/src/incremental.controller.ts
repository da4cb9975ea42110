import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { IncrementalTicketsPage, RestTicket } from '@ticketflow/zendesk';
import { visibleUntil } from './api-faults';
import {
  apiUrl,
  decodeCursor,
  encodeCursor,
  exportStartTime,
  fail,
  intParam,
  type QueryParams,
} from './api-helpers';
import { auditLogOf } from './audits';
import { metricEventLogOf } from './metric-events';
import { restTicket, restTicketMetric } from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk's incremental exports (admins only): tickets (cursor-based), ticket events, ticket metric events. */
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
      after_url: apiUrl(this.world, 'incremental/tickets/cursor.json', params(afterCursor)),
      before_url: null,
      end_of_stream: !more,
    };
  }

  /** Time-based incremental ticket events (status changes): next_page by start_time, end_of_stream, count. */
  @Get('incremental/ticket_events')
  incrementalTicketEvents(@Query() query: QueryParams, @Res({ passthrough: true }) res: Response) {
    if (res.locals['role'] !== 'admin') fail(403, 'Forbidden', 'You do not have access to this page.');
    const now = this.world.clock();
    const start = exportStartTime(query, now);
    const perPage = intParam(query['per_page'], 'per_page', 1000, 1000);
    // Whole seconds, as Zendesk: the last minute is never exported.
    const untilMs = Math.floor((now - 60_000) / 1000) * 1000 - 1;
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
