import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { RestUser } from '@ticketflow/zendesk';
import {
  cursorLinks,
  fail,
  intParam,
  listCursorPage,
  offsetPage,
  offsetParams,
  type QueryParams,
} from './api-helpers';
import type { TicketState } from './model';
import { restTicket, restUser } from './rest-shapes';
import {
  compareTickets,
  parseSearchQuery,
  requesterIds,
  ticketFacts,
  ticketMatches,
  userMatches,
  type SearchQuery,
  type SearchType,
} from './search-query';
import { WORLD } from './simulator.tokens';
import { World } from './world';

type Hit = { kind: 'ticket'; id: number; state: TicketState } | { kind: 'user'; id: number; user: RestUser };

/** Zendesk returns at most 1,000 results of a search (`count` still tells them all). */
const SEARCH_RESULTS_LIMIT = 1000;
const EXPORT_TYPES: readonly SearchType[] = ['ticket', 'user', 'organization', 'group'];

/**
 * Zendesk Search API over the simulated account (tickets and users; no organizations here): offset-paginated
 * search, its count, and the cursor-paginated export. Deleted tickets are never found; new records are found at
 * once (Zendesk indexes them within minutes).
 */
@Controller('api/v2')
export class SearchController {
  constructor(@Inject(WORLD) private readonly world: World) {}

  @Get('search')
  search(@Query() query: QueryParams) {
    const text = this.queryText(query);
    const offset = offsetParams(query);
    if (offset.page * offset.perPage > SEARCH_RESULTS_LIMIT)
      fail(422, 'invalid', 'Invalid search: Requested response size was greater than Search Response Limits');
    const parsed = parseSearchQuery(text, query['sort_by'], query['sort_order']);
    const hits = this.hits(parsed);
    const extra: Record<string, string> = { query: text };
    for (const name of ['sort_by', 'sort_order'] as const) if (query[name]) extra[name] = query[name];
    const page = offsetPage(this.world, 'search.json', offset, hits, this.render, { extra });
    return {
      results: page.items,
      facets: null,
      next_page: offset.page * offset.perPage < SEARCH_RESULTS_LIMIT ? page.next_page : null,
      previous_page: page.previous_page,
      count: page.count,
    };
  }

  @Get('search/count')
  count(@Query() query: QueryParams) {
    return { count: this.hits(parseSearchQuery(this.queryText(query))).length };
  }

  /** Past the 1,000-result limit: by cursor, in creation order, one type at a time (`filter[type]`). */
  @Get('search/export')
  export(@Query() query: QueryParams) {
    const text = this.queryText(query);
    const type = query['filter[type]'] as SearchType | undefined;
    if (!type || !EXPORT_TYPES.includes(type))
      fail(400, 'InvalidValue', 'filter[type] must be one of ticket, organization, user, group');
    const pageSize = intParam(query['page[size]'], 'page[size]', 100, 1000);
    const parsed = { ...parseSearchQuery(text), type: type!, orderBy: null };
    const page = listCursorPage(this.hits(parsed), query, pageSize, (hit) => hit.id);
    return {
      results: page.items.map(this.render),
      facets: null,
      ...cursorLinks(this.world, 'search/export.json', page, pageSize, {
        query: text,
        'filter[type]': type!,
      }),
    };
  }

  private queryText(query: QueryParams): string {
    const text = (query['query'] ?? '').trim();
    if (!text) fail(400, 'InvalidValue', 'query is required');
    return text;
  }

  /** Every match: tickets (narrowed to the named requesters' when the query names them), then users. */
  private hits(query: SearchQuery): Hit[] {
    const { directory } = this.world;
    const tickets: { facts: ReturnType<typeof ticketFacts>; state: TicketState }[] = [];
    if (query.type === null || query.type === 'ticket') {
      const requesters = requesterIds(query, directory.usersByEmail);
      const ids = requesters
        ? [...new Set(requesters)].flatMap((id) => this.world.requestedBy(id))
        : this.world.ids();
      for (const id of ids) {
        const state = this.world.state(id);
        if (!state || state.deleted) continue;
        const facts = ticketFacts(state, directory.usersById);
        if (ticketMatches(facts, query)) tickets.push({ facts, state });
      }
      const order = compareTickets(query);
      tickets.sort((a, b) => order(a.facts, b.facts));
    }
    const users =
      query.type === null || query.type === 'user'
        ? [...directory.usersById.values()]
            .filter((user) => userMatches(user, query))
            .sort((a, b) => a.id - b.id)
        : [];
    return [
      ...tickets.map(({ state }): Hit => ({ kind: 'ticket', id: state.seed.id, state })),
      ...users.map((user): Hit => ({ kind: 'user', id: user.id, user })),
    ];
  }

  private readonly render = (hit: Hit) =>
    hit.kind === 'ticket'
      ? { ...restTicket(hit.state, this.world.host), result_type: 'ticket' as const }
      : { ...restUser(hit.user, this.world.host), result_type: 'user' as const };
}
