import { Controller, Get, Inject } from '@nestjs/common';
import { restGroup } from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk Groups API: the account's groups, in one page. */
@Controller('api/v2')
export class GroupsController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('groups')
  listGroups() {
    return {
      groups: this.world.directory.groups.map((group) => restGroup(group, this.world.host)),
      next_page: null,
      previous_page: null,
      count: this.world.directory.groups.length,
    };
  }
}
