import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Inject,
  Injectable,
  MessageEvent,
  NotFoundException,
  Param,
  Post,
  Query,
  Sse,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Observable, concatMap, defer, filter, from, mergeMap } from 'rxjs';
import { ApiKeyGuard, KeyRing, RUNTIME } from '@ticketflow/service';
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

  @Post('users/:userId/stream-tokens')
  @ApiOperation({
    summary:
      "A short-lived token that opens this user's ticket stream (for a browser's EventSource: ?token=)",
  })
  async streamToken(@Param('userId') userId: string) {
    const tokens = this.runtime.streamTokens;
    if (!tokens.enabled)
      throw new ForbiddenException({ error: 'forbidden', reason: 'stream tokens need STREAM_TOKEN_SECRETS' });
    if (!(await this.queries.userExists(userId)))
      throw new NotFoundException({ error: 'not-found', reason: 'unknown user' });
    const { token, expiresAt } = tokens.issue(userId);
    return {
      token,
      expiresAt,
      streamPath: `/users/${encodeURIComponent(userId)}/tickets/stream?token=${token}`,
    };
  }
}

/** A user's stream: an API key, or a stream token issued for this user (`?token=`). */
@Injectable()
export class StreamAccessGuard implements CanActivate {
  private readonly keys: ApiKeyGuard;

  constructor(
    @Inject(KeyRing) ring: KeyRing,
    @Inject(RUNTIME) private readonly runtime: EnrichmentRuntime,
  ) {
    this.keys = new ApiKeyGuard(ring);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const token = req.query['token'];
    if (typeof token !== 'string' || token === '') return this.keys.canActivate(context);
    const refusal = this.runtime.streamTokens.refusal(token, String(req.params['userId'] ?? ''));
    if (refusal === "token for another user's stream")
      throw new ForbiddenException({ error: 'forbidden', reason: refusal });
    if (refusal) throw new UnauthorizedException({ error: 'unauthorized', reason: refusal });
    return true;
  }
}

@ApiTags('enrichment')
@ApiHeader({ name: 'x-api-key', description: 'an API key, unless ?token= is given', required: false })
@ApiQuery({
  name: 'token',
  required: false,
  description: 'a stream token for this user (POST .../stream-tokens)',
})
@UseGuards(StreamAccessGuard)
@Controller()
export class StreamController {
  constructor(@Inject(RUNTIME) private readonly runtime: EnrichmentRuntime) {}

  private get queries() {
    return this.runtime.queries;
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
