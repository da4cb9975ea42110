import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { RestUser } from '@ticketflow/zendesk';
import {
  cursorLinks,
  fail,
  idParam,
  intParam,
  listCursorPage,
  offsetPage,
  offsetParams,
  refuseDeepOffset,
  type QueryParams,
} from './api-helpers';
import { restUser } from './rest-shapes';
import { WORLD } from './simulator.tokens';
import { World } from './world';

/** Zendesk Users API: list, show, me, show_many, search (by email). */
@Controller('api/v2')
export class UsersController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  private readonly render = (user: RestUser) => restUser(user, this.world.host);

  @Get('users/show_many')
  showManyUsers(@Query('ids') ids = '') {
    const users = ids
      .split(',')
      .filter(Boolean)
      .slice(0, 100)
      .flatMap((id) => {
        const user = this.world.directory.usersById.get(Number(id));
        return user ? [this.render(user)] : [];
      });
    return { users, next_page: null, previous_page: null, count: users.length };
  }

  /**
   * Users by id, by cursor (`page[size]`) or offset; `role[]=agent&role[]=admin` (or `role=agent`) lists the agents
   * (names for stats and reports).
   */
  @Get('users')
  listUsers(@Query() query: QueryParams) {
    // Express gives `role[]` as one value or several; the next link carries them comma-separated.
    const wanted = [query['role[]'] ?? query['role'] ?? []].flat().flatMap((role) => String(role).split(','));
    const extra: Record<string, string> = wanted.length ? { 'role[]': wanted.join(',') } : {};
    const matching = [...this.world.directory.usersById.values()]
      .filter((user) => wanted.length === 0 || wanted.includes(user.role))
      .sort((a, b) => a.id - b.id);
    if (query['page[size]'] !== undefined || query['page[after]'] !== undefined) {
      const pageSize = intParam(query['page[size]'], 'page[size]', 100, 100);
      const page = listCursorPage(matching, query, pageSize, (user) => user.id);
      return {
        users: page.items.map(this.render),
        ...cursorLinks(this.world, 'users.json', page, pageSize, extra),
      };
    }
    const offset = offsetParams(query);
    refuseDeepOffset(offset);
    const { items, ...envelope } = offsetPage(this.world, 'users.json', offset, matching, this.render, {
      extra,
    });
    return { users: items, ...envelope };
  }

  /** `query` as `email:…` (exact, any case) or a part of a name or email; `external_id` matches nobody here. */
  @Get('users/search')
  searchUsers(@Query() query: QueryParams) {
    const extra = { query: query['query'] ?? '' };
    const offset = offsetParams(query);
    if (query['external_id'] !== undefined)
      return { users: [], next_page: null, previous_page: null, count: 0 };
    const term = extra.query
      .replace(/^email:/i, '')
      .trim()
      .toLowerCase();
    if (!term) fail(400, 'InvalidValue', 'query is required');
    const exact = this.world.directory.usersByEmail.get(term);
    const users = exact
      ? [exact]
      : [...this.world.directory.usersById.values()].filter(
          (u) => u.email?.toLowerCase().includes(term) || u.name.toLowerCase().includes(term),
        );
    const { items, ...envelope } = offsetPage(this.world, 'users/search.json', offset, users, this.render, {
      extra,
    });
    return { users: items, ...envelope };
  }

  /** The authenticated user (clients call it to check their credentials). Before users/:id, which would take "me". */
  @Get('users/me')
  me(@Res({ passthrough: true }) res: Response) {
    const user = this.world.directory.usersById.get(res.locals['userId'] as number);
    if (!user) return fail(404, 'RecordNotFound', 'Not found');
    return { user: this.render(user) };
  }

  @Get('users/:id')
  showUser(@Param('id') id: string) {
    const user = this.world.directory.usersById.get(idParam(id));
    if (!user) return fail(404, 'RecordNotFound', 'Not found');
    return { user: this.render(user) };
  }
}
