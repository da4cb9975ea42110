import { AuditLog } from './audits';
import { World } from './world';

const NOW = Date.parse('2026-11-25T12:00:00Z');

/** Walks the export as a client does (next page from `end_time`), deduplicating page-boundary repeats. */
function walk(log: AuditLog, untilMs: number, perPage: number) {
  const seen = new Map<number, number>();
  let start = 0;
  let pages = 0;
  for (;;) {
    const page = log.page(start, untilMs, perPage);
    pages++;
    for (const item of page.items) {
      expect(item.timestamp).toBeGreaterThanOrEqual(start);
      seen.set(item.id, item.timestamp);
    }
    if (page.endOfStream) return { seen, pages, end: page.endTime };
    expect(page.endTime).toBeGreaterThan(start); // never a stall
    start = page.endTime;
    if (pages > 10_000) throw new Error('the walk does not end');
  }
}

describe('audit log (incremental ticket events export)', () => {
  it('returns every status change once the walk is deduplicated, with small pages too', () => {
    const world = new World({ tickets: 800, seed: 5, clock: () => NOW });
    const untilMs = NOW - 61_000;
    const transitions = [...world.ids()].reduce(
      (n, id) => n + (world.state(id, untilMs)?.history.length ?? 0),
      0,
    );
    const small = walk(new AuditLog(world), untilMs, 7);
    const large = walk(new AuditLog(world), untilMs, 1000);
    expect(small.seen.size).toBe(transitions);
    expect(large.seen.size).toBe(transitions);
    expect(small.end).toBe(Math.floor(untilMs / 1000) + 1);
  });

  it('never ends a page inside a second, even past per_page, and moves on from a page that is one second', () => {
    let now = NOW - 86_400_000;
    const world = new World({ tickets: 1, seed: 5, clock: () => now });
    const log = new AuditLog(world);
    now = NOW - 3_600_000;
    const tickets = Array.from({ length: 5 }, () => world.createTicket({}).ticketId);
    now += 10_000;
    for (const id of tickets) world.updateTicket(id, { status: 'open' }); // 5 audits in one second
    now += 1_000;
    world.updateTicket(tickets[0]!, { status: 'solved' });
    const busySecond = Math.floor((NOW - 3_590_000) / 1000);

    const first = log.page(busySecond, NOW - 61_000, 2);
    expect(first.items.map((i) => i.timestamp)).toEqual(Array(5).fill(busySecond));
    expect(first).toMatchObject({ endOfStream: false, endTime: busySecond + 1 });
    const next = log.page(first.endTime, NOW - 61_000, 2);
    expect(next.items.map((i) => i.child_events[0]!.value)).toEqual(['solved']);
    expect(next.endOfStream).toBe(true);
  });

  it('serves changes made after it was built, in time order', () => {
    let now = NOW - 86_400_000;
    const world = new World({ tickets: 50, seed: 5, clock: () => now });
    const log = new AuditLog(world);
    now = NOW;
    const before = walk(log, NOW, 1000).seen.size;
    now = NOW + 1_000;
    const { ticketId } = world.createTicket({});
    now = NOW + 2_000;
    world.updateTicket(ticketId, { status: 'pending' });
    const after = log.page(Math.floor(NOW / 1000), NOW + 10_000, 1000);
    expect(
      after.items.map((i) => [i.ticket_id, i.child_events[0]!.previous_value, i.child_events[0]!.value]),
    ).toEqual([
      [ticketId, null, 'new'],
      [ticketId, 'new', 'pending'],
    ]);
    expect(walk(log, NOW + 10_000, 1000).seen.size).toBe(before + 2);
  });
});
