import { timeBasedPage } from './time-based-page';

const second = (n: number) => n;

describe('timeBasedPage', () => {
  it('ends after per_page items at a change of second, the next page starting at the last second', () => {
    expect(timeBasedPage([10, 11, 12, 13], second, 10, 2, 99)).toEqual({
      items: [10, 11],
      endOfStream: false,
      endTime: 11,
    });
  });

  it('never ends inside a second: every item sharing the last second comes, past per_page', () => {
    expect(timeBasedPage([10, 11, 11, 11, 12], second, 10, 2, 99)).toEqual({
      items: [10, 11, 11, 11],
      endOfStream: false,
      endTime: 11,
    });
  });

  it('moves one second on from a page that is one second only (no stall)', () => {
    expect(timeBasedPage([10, 10, 10, 11], second, 10, 2, 99)).toEqual({
      items: [10, 10, 10],
      endOfStream: false,
      endTime: 11,
    });
  });

  it('ends the stream at streamEnd when the items run out, exactly at per_page too', () => {
    expect(timeBasedPage([10, 11], second, 10, 2, 99)).toEqual({
      items: [10, 11],
      endOfStream: true,
      endTime: 99,
    });
    expect(timeBasedPage([], second, 10, 2, 99)).toEqual({ items: [], endOfStream: true, endTime: 99 });
  });

  it('reads no further than it needs (the source may be a long generator)', () => {
    let read = 0;
    function* source() {
      for (let s = 0; s < 1_000_000; s++) {
        read++;
        yield s;
      }
    }
    timeBasedPage(source(), second, 0, 3, 99);
    expect(read).toBe(4);
  });
});
