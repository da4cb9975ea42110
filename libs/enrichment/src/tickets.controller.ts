import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  MessageEvent,
  NotFoundException,
  Param,
  Query,
  Sse,
  UseGuards,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Observable, concatMap, defer, filter, from, mergeMap } from 'rxjs';
import { ApiKeyGuard, RUNTIME } from '@ticketflow/service';
import type { EnrichmentRuntime } from './enrichment.runtime';

@ApiTags('enrichment')
@ApiHeader({
  name: 'x-api-key',
  description: 'an API key from ENRICHMENT_API_KEYS (or Authorization: Bearer KEY)',
  required: true,
})
@UseGuards(ApiKeyGuard)
@Controller()
export class TicketsController {
  constructor(@Inject(RUNTIME) private readonly runtime: EnrichmentRuntime) {}

  private get queries() {
    return this.runtime.queries;
  }

  @Get('users')
  @ApiOperation({ summary: 'Look a company user up by email (case-insensitive)' })
  async byEmail(@Query('email') email?: string) {
    if (!email) throw new BadRequestException({ error: 'bad-request', reason: 'email is required' });
    return { users: await this.queries.usersByEmail(email) };
  }

  @Get('users/:userId/tickets')
  @ApiOperation({ summary: "A user's Zendesk tickets, ascending ids, cursor-paginated" })
  @ApiQuery({
    name: 'open',
    required: false,
    description: 'true: only unsolved (new, open, pending, hold); false: only solved/closed',
  })
  @ApiQuery({ name: 'status', required: false, description: 'comma-separated statuses' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  async userTickets(
    @Param('userId') userId: string,
    @Query('open') open?: string,
    @Query('status') status?: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit = '50',
  ) {
    const size = Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 200)
      throw new BadRequestException({ error: 'bad-request', reason: 'limit must be 1-200' });
    if (open !== undefined && open !== 'true' && open !== 'false')
      throw new BadRequestException({ error: 'bad-request', reason: 'open must be true or false' });
    if (cursor !== undefined && !/^\d+$/.test(cursor))
      throw new BadRequestException({ error: 'bad-request', reason: 'invalid cursor' });
    if (!(await this.queries.userExists(userId)))
      throw new NotFoundException({ error: 'not-found', reason: 'unknown user' });
    const page = await this.queries.userTickets(userId, {
      open: open === undefined ? undefined : open === 'true',
      statuses: status?.split(',').filter(Boolean),
      after: cursor,
      limit: size,
    });
    return { userId, ...page };
  }

  @Get('tickets/:ticketId')
  @ApiOperation({ summary: 'One ticket with its status history (every transition, oldest first)' })
  async ticket(@Param('ticketId') ticketId: string) {
    const ticket = await this.queries.ticket(ticketId);
    if (!ticket) throw new NotFoundException({ error: 'not-found', reason: 'unknown ticket' });
    return ticket;
  }

  @Sse('users/:userId/tickets/stream')
  @ApiOperation({ summary: "Server-Sent Events: each of the user's tickets as it changes (event: ticket)" })
  stream(@Param('userId') userId: string): Observable<MessageEvent> {
    return defer(() => {
      // One Zendesk change arrives as an event webhook and a trigger (and replicas may both announce it): a
      // ticket is sent only when what the user sees of it differs from what this stream sent last.
      const sent = new Map<string, string>();
      return this.runtime.changes.pipe(
        filter((ids) => ids.length > 0),
        // In order, so the last state read is the last state sent.
        concatMap((ids) => from(this.queries.userTicketsAmong(userId, ids))),
        mergeMap((tickets) =>
          from(
            tickets
              .filter((ticket) => {
                const seen = JSON.stringify(ticket);
                if (sent.get(ticket.id) === seen) return false;
                sent.set(ticket.id, seen);
                return true;
              })
              .map((ticket): MessageEvent => ({
                type: 'ticket',
                id: `${ticket.id}:${ticket.updatedAt}`,
                data: ticket,
              })),
          ),
        ),
      );
    });
  }
}
