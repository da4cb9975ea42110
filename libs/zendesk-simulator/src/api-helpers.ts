import { HttpException } from '@nestjs/common';
import { ticketIdOf } from './lifecycle';
import type { TicketState } from './model';
import { WorldError, type World } from './world';

// Shared by the Zendesk API controllers: errors, parameters, cursors and links.

export type QueryParams = Record<string, string | undefined>;

export const fail = (status: number, error: string, description: string): never => {
  throw new HttpException({ error, description }, status);
};

export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export function decodeCursor<T>(cursor: string): T {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    return fail(400, 'InvalidPaginationParameter', 'The cursor is invalid');
  }
}

export function intParam(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    return fail(400, 'InvalidPaginationParameter', `${name} must be a positive integer`);
  return Math.min(n, max);
}

/** A time-based export's start_time: unix seconds, at least a minute old (Zendesk answers 400 otherwise). */
export function exportStartTime(query: QueryParams, now: number): number {
  const start = Number(query['start_time']);
  if (query['start_time'] === undefined || !Number.isInteger(start) || start < 0)
    fail(400, 'InvalidValue', 'start_time must be a unix timestamp in seconds');
  if (start * 1000 > now - 60_000)
    fail(400, 'InvalidValue', 'Too recent start_time. Use a start_time at least one minute in the past');
  return start;
}

export function idParam(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0) fail(404, 'RecordNotFound', 'Not found');
  return id;
}

/** A ticket's state, unless it does not exist or is deleted (404). */
export function visibleState(world: World, id: number): TicketState {
  const state = world.state(id);
  if (!state || state.deleted) return fail(404, 'RecordNotFound', 'Not found');
  return state;
}

/** Runs a world action, answering its `WorldError` as Zendesk would. */
export function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof WorldError) fail(error.status, error.code, error.description);
    throw error;
  }
}

export function apiUrl(world: World, path: string, params: Record<string, string | number>) {
  return `${world.host}/api/v2/${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`;
}

/** The `links.next` of a cursor page: the same query after its last item, or null on the last page. */
export function nextPage(
  world: World,
  path: string,
  page: { afterCursor: string | null; hasMore: boolean },
  pageSize: number,
  extra: Record<string, string> = {},
) {
  return page.afterCursor && page.hasMore
    ? apiUrl(world, path, { 'page[size]': pageSize, 'page[after]': page.afterCursor, ...extra })
    : null;
}

function* orderedIds(world: World, descending: boolean, after: number | null): Generator<number> {
  const first = ticketIdOf(0);
  const last = ticketIdOf(world.ticketCount - 1);
  if (descending) for (let id = after === null ? last : after - 1; id >= first; id--) yield id;
  else for (let id = after === null ? first : after + 1; id <= last; id++) yield id;
}

/** One page of visible (by default: not deleted) tickets by id after `page[after]`, rendered; cursors are ids. */
export function cursorPage<T>(
  world: World,
  query: QueryParams,
  pageSize: number,
  descending: boolean,
  render: (state: TicketState, host: string) => T,
  visible: (state: TicketState) => boolean = (state) => !state.deleted,
) {
  const after = query['page[after]'] ? decodeCursor<number>(query['page[after]']) : null;
  const ids: number[] = [];
  const items: T[] = [];
  let hasMore = false;
  for (const id of orderedIds(world, descending, after)) {
    const state = world.state(id);
    if (!state || !visible(state)) continue;
    if (items.length === pageSize) {
      hasMore = true;
      break;
    }
    ids.push(id);
    items.push(render(state, world.host));
  }
  return {
    items,
    hasMore,
    afterCursor: ids.length ? encodeCursor(ids[ids.length - 1]) : null,
    beforeCursor: ids.length ? encodeCursor(ids[0]) : null,
  };
}
