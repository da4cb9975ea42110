import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { cursorLinks, cursorPage, idParam, intParam, visibleState, type QueryParams } from './api-helpers';
import { restTicketMetric } from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk Ticket Metrics API: per ticket, by metric id, and the cursor-paginated list. */
@Controller('api/v2')
export class TicketMetricsController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  /** Live API answers a single object here, although the docs show an array. */
  @Get('tickets/:id/metrics')
  ticketMetrics(@Param('id') id: string) {
    return { ticket_metric: restTicketMetric(visibleState(this.world, idParam(id)), this.world.host) };
  }

  @Get('ticket_metrics')
  listTicketMetrics(@Query() query: QueryParams) {
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
    // Newest to oldest by creation, archived (here: deleted) tickets excluded.
    const page = cursorPage(this.world, query, pageSize, true, restTicketMetric);
    return { ticket_metrics: page.items, ...cursorLinks(this.world, 'ticket_metrics.json', page, pageSize) };
  }

  @Get('ticket_metrics/:id')
  showTicketMetric(@Param('id') id: string) {
    const state = visibleState(this.world, idParam(id) - 7_000_000);
    return { ticket_metric: restTicketMetric(state, this.world.host) };
  }
}
