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

/** Exports never show the most recent minute: changes in it could still be racing. */
export const EXPORT_HIDDEN_MS = 60_000;

/** The last millisecond a time-based export shows: whole seconds, before the hidden minute. */
export const timeBasedExportUntil = (now: number) => Math.floor((now - EXPORT_HIDDEN_MS) / 1000) * 1000 - 1;

/** A time-based export's start_time: unix seconds, at least a minute old (Zendesk answers 400 otherwise). */
export function exportStartTime(query: QueryParams, now: number): number {
  const start = Number(query['start_time']);
  if (query['start_time'] === undefined || !Number.isInteger(start) || start < 0)
    fail(400, 'InvalidValue', 'start_time must be a unix timestamp in seconds');
  if (start * 1000 > now - EXPORT_HIDDEN_MS)
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

function* orderedIds(
  world: World,
  descending: boolean,
  after: number | null,
  candidates?: readonly number[],
): Generator<number> {
  if (candidates) {
    if (descending) {
      for (let i = candidates.length - 1; i >= 0; i--)
        if (after === null || candidates[i]! < after) yield candidates[i]!;
    } else for (const id of candidates) if (after === null || id > after) yield id;
    return;
  }
  const first = ticketIdOf(0);
  const last = ticketIdOf(world.ticketCount - 1);
  if (descending) for (let id = after === null ? last : after - 1; id >= first; id--) yield id;
  else for (let id = after === null ? first : after + 1; id <= last; id++) yield id;
}

/** A page of a cursor-paginated list: cursors are opaque keys of its first and last items. */
export interface CursorPage<T> {
  items: T[];
  hasMore: boolean;
  afterCursor: string | null;
  beforeCursor: string | null;
}

/**
 * One page of visible (by default: not deleted) tickets by id after `page[after]`, rendered; cursors are ids.
 * `candidates` (ascending ids) narrows the walk, e.g. to a requester's tickets.
 */
export function cursorPage<T>(
  world: World,
  query: QueryParams,
  pageSize: number,
  descending: boolean,
  render: (state: TicketState, host: string) => T,
  visible: (state: TicketState) => boolean = (state) => !state.deleted,
  candidates?: readonly number[],
): CursorPage<T> {
  const after = query['page[after]'] ? decodeCursor<number>(query['page[after]']) : null;
  const ids: number[] = [];
  const items: T[] = [];
  let hasMore = false;
  for (const id of orderedIds(world, descending, after, candidates)) {
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

/** A cursor page of `items` (ascending by `key`) after `page[after]`; cursors are keys. */
export function listCursorPage<T>(
  items: readonly T[],
  query: QueryParams,
  pageSize: number,
  key: (item: T, index: number) => number,
): CursorPage<T> {
  const after = query['page[after]'] ? decodeCursor<number>(query['page[after]']) : null;
  let from = 0;
  while (from < items.length && after !== null && key(items[from]!, from) <= after) from++;
  const page = items.slice(from, from + pageSize);
  return {
    items: page,
    hasMore: from + pageSize < items.length,
    afterCursor: page.length ? encodeCursor(key(page[page.length - 1]!, from + page.length - 1)) : null,
    beforeCursor: page.length ? encodeCursor(key(page[0]!, from)) : null,
  };
}

/** A cursor page's `meta` and `links`, the next link repeating the query's `extra` parameters. */
export function cursorLinks(
  world: World,
  path: string,
  page: CursorPage<unknown>,
  pageSize: number,
  extra: Record<string, string> = {},
) {
  return {
    meta: { has_more: page.hasMore, after_cursor: page.afterCursor, before_cursor: page.beforeCursor },
    links: { next: nextPage(world, path, page, pageSize, extra), prev: null },
  };
}

export interface OffsetParams {
  page: number;
  perPage: number;
}

/** `page` and `per_page` (100 at most) of offset pagination. */
export function offsetParams(query: QueryParams): OffsetParams {
  return {
    page: intParam(query['page'], 'page', 1, Number.MAX_SAFE_INTEGER),
    perPage: intParam(query['per_page'], 'per_page', 100, 100),
  };
}

/** Zendesk refuses offset pages past the first 10,000 records (since August 2023). */
export function refuseDeepOffset({ page, perPage }: OffsetParams): void {
  if (page * perPage > 10_000)
    fail(
      400,
      'InvalidPaginationParameter',
      'Offset pagination is limited to the first 10000 records. Use cursor pagination.',
    );
}

/**
 * One offset page of `items`, rendered, with `next_page`, `previous_page` (repeating `extra` parameters) and
 * `count`: the number of items unless given (then the walk stops after the page).
 */
export function offsetPage<S, T>(
  world: World,
  path: string,
  { page, perPage }: OffsetParams,
  items: Iterable<S>,
  render: (item: S) => T,
  options: { count?: number; extra?: Record<string, string> } = {},
) {
  const start = (page - 1) * perPage;
  const end = page * perPage;
  const rendered: T[] = [];
  let seen = 0;
  for (const item of items) {
    if (seen >= start && seen < end) rendered.push(render(item));
    seen++;
    if (options.count !== undefined && seen > end) break;
  }
  const link = (to: number) => apiUrl(world, path, { ...options.extra, page: to, per_page: perPage });
  return {
    items: rendered,
    next_page: seen > end ? link(page + 1) : null,
    previous_page: page > 1 ? link(page - 1) : null,
    count: options.count ?? seen,
  };
}
