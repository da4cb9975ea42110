import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  cursorLinks,
  idParam,
  intParam,
  listCursorPage,
  offsetPage,
  offsetParams,
  visibleState,
  type QueryParams,
} from './api-helpers';
import { WORLD } from './simulator.tokens';
import { ticketAudits } from './ticket-audits';
import { World } from './world';

/** Zendesk Ticket Audits API: a ticket's audits, oldest first, by cursor (`page[size]`) or offset. */
@Controller('api/v2')
export class TicketAuditsController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('tickets/:id/audits')
  listAudits(@Param('id') id: string, @Query() query: QueryParams) {
    const ticketId = idParam(id);
    visibleState(this.world, ticketId);
    const { seed, changes } = this.world.ticket(ticketId)!;
    const audits = ticketAudits(seed, changes);
    const path = `tickets/${ticketId}/audits.json`;
    if (query['page[size]'] !== undefined) {
      const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
      // Audits are in time order: a cursor is a position in the ticket's history.
      const page = listCursorPage(audits, query, pageSize, (_audit, index) => index);
      return { audits: page.items, ...cursorLinks(this.world, path, page, pageSize) };
    }
    const { items, ...envelope } = offsetPage(this.world, path, offsetParams(query), audits, (a) => a);
    return { audits: items, ...envelope };
  }
}
