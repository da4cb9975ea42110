/** One page of a time-based incremental export (tickets, ticket events). */
export interface TimeBasedPage<T> {
  items: T[];
  endOfStream: boolean;
  /** Where the next page starts (`start_time` of `next_page`). */
  endTime: number;
}

/**
 * Cuts a time-based export page from `items` (in time order, at or after `startTime`, unix seconds): at least
 * `perPage` items unless the stream ends, and never ending inside a second (Zendesk returns every item sharing the
 * last timestamp, past `per_page` if need be). `endTime` is the last item's second, where the next page starts (its
 * items come again: page-boundary duplicates); a page that is one second only ends one second later, or the walk
 * would stall. At the end of the stream `endTime` is `streamEnd`.
 */
export function timeBasedPage<T>(
  items: Iterable<T>,
  secondOf: (item: T) => number,
  startTime: number,
  perPage: number,
  streamEnd: number,
): TimeBasedPage<T> {
  const page: T[] = [];
  for (const item of items) {
    if (page.length >= perPage) {
      const last = secondOf(page[page.length - 1]!);
      if (secondOf(item) !== last)
        return { items: page, endOfStream: false, endTime: last === startTime ? last + 1 : last };
    }
    page.push(item);
  }
  return { items: page, endOfStream: true, endTime: streamEnd };
}
