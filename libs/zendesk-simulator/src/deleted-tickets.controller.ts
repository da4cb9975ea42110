import { Controller, Delete, Get, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import { cursorLinks, cursorPage, guard, idParam, intParam, type QueryParams } from './api-helpers';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk's deleted tickets: list, restore, delete permanently. */
@Controller('api/v2')
export class DeletedTicketsController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  /** Soft-deleted tickets (restorable): a permanently deleted one is in neither this list nor show_many. */
  @Get('deleted_tickets')
  listDeletedTickets(@Query() query: QueryParams) {
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
    const agent = this.world.directory.agents[0]!;
    const page = cursorPage(
      this.world,
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
      ...cursorLinks(this.world, 'deleted_tickets.json', page, pageSize),
    };
  }

  @Put('deleted_tickets/:id/restore')
  restoreTicket(@Param('id') id: string) {
    guard(() => this.world.undelete(idParam(id)));
    return {};
  }

  @Delete('deleted_tickets/:id')
  @HttpCode(204)
  purgeTicket(@Param('id') id: string) {
    guard(() => this.world.permanentlyDelete(idParam(id)));
  }
}
