import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import {
  decodeCursor,
  encodeCursor,
  fail,
  idParam,
  intParam,
  nextPage,
  type QueryParams,
} from './api-helpers';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk Users API: list, show, show_many, search (by email). */
@Controller('api/v2')
export class UsersController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('users/show_many')
  showManyUsers(@Query('ids') ids = '') {
    const users = ids
      .split(',')
      .filter(Boolean)
      .slice(0, 100)
      .flatMap((id) => {
        const user = this.world.directory.usersById.get(Number(id));
        return user ? [user] : [];
      });
    return { users, next_page: null, previous_page: null, count: users.length };
  }

  /** Users by id, cursor-paginated; `role[]=agent&role[]=admin` lists the agents (names for stats and reports). */
  @Get('users')
  listUsers(@Query() query: QueryParams) {
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
    // Express gives `role[]` as one value or several; the next link carries them comma-separated.
    const wanted = [query['role[]'] ?? query['role'] ?? []].flat().flatMap((role) => String(role).split(','));
    const after = query['page[after]'] ? decodeCursor<number>(query['page[after]']) : 0;
    const matching = [...this.world.directory.usersById.values()]
      .filter((user) => user.id > after && (wanted.length === 0 || wanted.includes(user.role)))
      .sort((a, b) => a.id - b.id);
    const users = matching.slice(0, pageSize);
    const last = users[users.length - 1];
    const page = { afterCursor: last ? encodeCursor(last.id) : null, hasMore: matching.length > pageSize };
    return {
      users,
      meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: null },
      links: {
        next: nextPage(
          this.world,
          'users.json',
          page,
          pageSize,
          wanted.length ? { 'role[]': wanted.join(',') } : {},
        ),
        prev: null,
      },
    };
  }

  @Get('users/search')
  searchUsers(@Query('query') query = '', @Query('external_id') externalId?: string) {
    if (externalId !== undefined) return { users: [], next_page: null, previous_page: null, count: 0 };
    const term = query
      .replace(/^email:/i, '')
      .trim()
      .toLowerCase();
    if (!term) fail(400, 'InvalidValue', 'query is required');
    const exact = this.world.directory.usersByEmail.get(term);
    const users = exact
      ? [exact]
      : [...this.world.directory.usersById.values()]
          .filter((u) => u.email.toLowerCase().includes(term) || u.name.toLowerCase().includes(term))
          .slice(0, 100);
    return { users, next_page: null, previous_page: null, count: users.length };
  }

  @Get('users/:id')
  showUser(@Param('id') id: string) {
    const user = this.world.directory.usersById.get(idParam(id));
    if (!user) return fail(404, 'RecordNotFound', 'Not found');
    return { user };
  }
}
