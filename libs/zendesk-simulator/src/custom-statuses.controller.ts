import { Controller, Get, Inject, Query } from '@nestjs/common';
import { restCustomStatuses } from './directory';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk Custom Ticket Statuses API: the list, optionally by status category. */
@Controller('api/v2')
export class CustomStatusesController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('custom_statuses')
  customStatuses(@Query('status_categories') categories?: string) {
    const wanted = categories?.split(',');
    const all = restCustomStatuses(new Date(this.world.shape.start).toISOString());
    return { custom_statuses: wanted ? all.filter((s) => wanted.includes(s.status_category)) : all };
  }
}
