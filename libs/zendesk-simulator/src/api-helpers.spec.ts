import { HttpException } from '@nestjs/common';
import { decodeCursor, listCursorPage, offsetPage, offsetParams, refuseDeepOffset } from './api-helpers';
import { World } from './world';

const world = new World({ tickets: 10, host: 'http://127.0.0.1:4010' });
const numbers = Array.from({ length: 25 }, (_, i) => i + 1);

describe('pagination helpers', () => {
  it('cuts offset pages with next/previous links that repeat the query, and counts every item', () => {
    const page = offsetPage(world, 'things.json', { page: 2, perPage: 10 }, numbers, (n) => n * 10, {
      extra: { query: 'a b' },
    });
    expect(page).toEqual({
      items: [110, 120, 130, 140, 150, 160, 170, 180, 190, 200],
      next_page: 'http://127.0.0.1:4010/api/v2/things.json?query=a+b&page=3&per_page=10',
      previous_page: 'http://127.0.0.1:4010/api/v2/things.json?query=a+b&page=1&per_page=10',
      count: 25,
    });
    expect(offsetPage(world, 'things.json', { page: 3, perPage: 10 }, numbers, (n) => n)).toMatchObject({
      items: [21, 22, 23, 24, 25],
      next_page: null,
    });
  });

  it('stops the walk after the page when the count is known', () => {
    let read = 0;
    function* source() {
      for (const n of numbers) {
        read++;
        yield n;
      }
    }
    const page = offsetPage(world, 'things.json', { page: 1, perPage: 5 }, source(), (n) => n, { count: 99 });
    expect(page).toMatchObject({ items: [1, 2, 3, 4, 5], count: 99 });
    expect(page.next_page).not.toBeNull();
    expect(read).toBe(6);
  });

  it('reads page and per_page (at most 100) and refuses offsets past 10,000 records', () => {
    expect(offsetParams({ page: '3', per_page: '500' })).toEqual({ page: 3, perPage: 100 });
    expect(offsetParams({})).toEqual({ page: 1, perPage: 100 });
    expect(() => refuseDeepOffset({ page: 101, perPage: 100 })).toThrow(HttpException);
    expect(() => refuseDeepOffset({ page: 100, perPage: 100 })).not.toThrow();
  });

  it('pages a sorted list by cursor on its keys', () => {
    const first = listCursorPage(numbers, {}, 10, (n) => n);
    expect(first.items).toEqual(numbers.slice(0, 10));
    expect(first.hasMore).toBe(true);
    expect(decodeCursor<number>(first.afterCursor!)).toBe(10);
    const last = listCursorPage(numbers, { 'page[after]': first.afterCursor! }, 20, (n) => n);
    expect(last).toMatchObject({ items: numbers.slice(10), hasMore: false });
    expect(decodeCursor<number>(last.beforeCursor!)).toBe(11);
    expect(listCursorPage([], {}, 10, (n: number) => n)).toEqual({
      items: [],
      hasMore: false,
      afterCursor: null,
      beforeCursor: null,
    });
  });
});
