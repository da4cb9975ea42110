import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import type { RestTicket } from '@ticketflow/zendesk';
import {
  apiUrl,
  cursorPage,
  fail,
  guard,
  idParam,
  intParam,
  nextPage,
  visibleState,
  type QueryParams,
} from './api-helpers';
import { restTicket } from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { type TicketPatch, World } from './world';

/** Zendesk Tickets API: lists, show, and the writes (each one fires the account's webhooks). */
@Controller('api/v2')
export class TicketsController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('tickets')
  listTickets(@Query() query: QueryParams) {
    const size = query['page[size]'];
    if (size !== undefined) {
      // Cursor pagination: ids ascending (or descending with sort=-id), 100 per page at most.
      const pageSize = intParam(size, 'page[size]', 100, 100);
      const descending = query['sort'] === '-id';
      const page = cursorPage(this.world, query, pageSize, descending, restTicket);
      return {
        tickets: page.items,
        meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: page.beforeCursor },
        links: {
          next: nextPage(this.world, 'tickets.json', page, pageSize, descending ? { sort: '-id' } : {}),
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
      next_page: hasNext ? apiUrl(this.world, 'tickets.json', { page: page + 1, per_page: perPage }) : null,
      previous_page:
        page > 1 ? apiUrl(this.world, 'tickets.json', { page: page - 1, per_page: perPage }) : null,
      count: this.world.ticketCount,
    };
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
