import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import {
  cursorLinks,
  cursorPage,
  fail,
  guard,
  idParam,
  intParam,
  offsetPage,
  offsetParams,
  refuseDeepOffset,
  visibleState,
  type QueryParams,
} from './api-helpers';
import type { TicketState } from './model';
import { restTicket } from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { type TicketPatch, World } from './world';

/** Zendesk Tickets API: lists (all, a user's requested), show, and the writes (each fires the account's webhooks). */
@Controller('api/v2')
export class TicketsController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('tickets')
  listTickets(@Query() query: QueryParams) {
    return this.ticketList(query, 'tickets.json', null, this.world.ticketCount);
  }

  /** A user's requested tickets. */
  @Get('users/:id/tickets/requested')
  listRequested(@Param('id') id: string, @Query() query: QueryParams) {
    const userId = idParam(id);
    if (!this.world.directory.usersById.has(userId)) fail(404, 'RecordNotFound', 'Not found');
    return this.ticketList(query, `users/${userId}/tickets/requested.json`, this.world.requestedBy(userId));
  }

  /**
   * A ticket list, deleted tickets left out: by cursor with `page[size]` (ids ascending, or descending with
   * `sort=-id`), else by offset. `candidates` (ascending ids) narrow it, null for every ticket; `count` is the
   * offset form's count when known without a full walk.
   */
  private ticketList(query: QueryParams, path: string, candidates: number[] | null, count?: number) {
    if (query['page[size]'] !== undefined) {
      const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
      const descending = query['sort'] === '-id';
      const page = cursorPage(
        this.world,
        query,
        pageSize,
        descending,
        restTicket,
        undefined,
        candidates ?? undefined,
      );
      const extra: Record<string, string> = descending ? { sort: '-id' } : {};
      return { tickets: page.items, ...cursorLinks(this.world, path, page, pageSize, extra) };
    }
    const offset = offsetParams(query);
    refuseDeepOffset(offset);
    const { items, ...envelope } = offsetPage(
      this.world,
      path,
      offset,
      this.visibleStates(candidates ?? this.world.ids()),
      (state) => restTicket(state, this.world.host),
      { count },
    );
    return { tickets: items, ...envelope };
  }

  private *visibleStates(ids: Iterable<number>): Generator<TicketState> {
    for (const id of ids) {
      const state = this.world.state(id);
      if (state && !state.deleted) yield state;
    }
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
    return { ticket: restTicket(visibleState(this.world, idParam(id)), this.world.host) };
  }

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
    const update = guard(() =>
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
    const update = guard(() =>
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

  /** Soft delete: the ticket moves to deleted_tickets (restorable). */
  @Delete('tickets/:id')
  @HttpCode(204)
  deleteTicket(@Param('id') id: string) {
    guard(() => this.world.softDelete(idParam(id)));
  }

  /** Merges the tickets in `ids` into ticket :id. */
  @Post('tickets/:id/merge')
  merge(@Param('id') id: string, @Body() body: { ids?: number[] }) {
    const target = idParam(id);
    for (const source of body?.ids ?? []) guard(() => this.world.merge(source, target));
    return { job_status: { id: `merge-${target}`, status: 'completed' } };
  }

  @Put('tickets/:id/mark_as_spam')
  markAsSpam(@Param('id') id: string) {
    guard(() => this.world.markAsSpam(idParam(id)));
    return {};
  }
}
