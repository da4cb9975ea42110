import { AuditLog, type AuditExportForm, type ChildEvent, type TicketEventExportItem } from './audits';
import { World } from './world';

const valueOf = (child: ChildEvent) => ('value' in child ? child.value : null);

const NOW = Date.parse('2026-11-25T12:00:00Z');

/** Walks the export as a client does (next page from `end_time`), deduplicating page-boundary repeats. */
function walk(log: AuditLog, untilMs: number, perPage: number) {
  const seen = new Map<number, number>();
  const items: TicketEventExportItem[] = [];
  let start = 0;
  let pages = 0;
  for (;;) {
    const page = log.page(start, untilMs, perPage);
    pages++;
    for (const item of page.items) {
      expect(item.timestamp).toBeGreaterThanOrEqual(start);
      if (!seen.has(item.id)) items.push(item);
      seen.set(item.id, item.timestamp);
    }
    if (page.endOfStream) return { seen, items, pages, end: page.endTime };
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
    expect(next.items.map((i) => valueOf(i.child_events[0]!))).toEqual(['solved']);
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
      after.items.map((i) => [i.ticket_id, i.child_events[0]!.previous_value, valueOf(i.child_events[0]!)]),
    ).toEqual([
      [ticketId, null, 'new'],
      [ticketId, 'new', 'pending'],
    ]);
    expect(walk(log, NOW + 10_000, 1000).seen.size).toBe(before + 2);
  });

  /** The export's last minute of a world's audits, in the given form. */
  const lastMinute = (world: World, form?: AuditExportForm) =>
    walk(new AuditLog(world, form), NOW - 61_000, 1000).items;

  it('writes child events keyed by the field when asked, with the same facts (S3)', () => {
    const world = new World({ tickets: 200, seed: 8, clock: () => NOW });
    const named = lastMinute(world);
    const keyed = lastMinute(world, { childEvents: 'field-keyed', assigneeEvents: false });
    expect(keyed.map((i) => i.id)).toEqual(named.map((i) => i.id));
    for (const [n, item] of keyed.entries()) {
      const child = item.child_events[0]!;
      expect(child).not.toHaveProperty('field_name');
      expect(child).toMatchObject({
        status: valueOf(named[n]!.child_events[0]!),
        previous_value: named[n]!.child_events[0]!.previous_value,
      });
    }
  });

  it('exports assignee changes when asked: on the audit that made them, or an audit of their own (S3)', () => {
    const world = new World({ tickets: 200, seed: 8, clock: () => NOW });
    const plain = lastMinute(world);
    const items = lastMinute(world, { childEvents: 'field-name', assigneeEvents: true });
    const assignments = items.flatMap((item) =>
      item.child_events
        .filter((c) => 'field_name' in c && c.field_name === 'assignee_id')
        .map((c) => ({ ticket: item.ticket_id, at: item.timestamp, from: c.previous_value, to: valueOf(c) })),
    );
    const expected = [...world.ids()].flatMap((id) =>
      world.ticket(id)!.changes.filter((c) => c.kind === 'assign' && c.at <= NOW - 61_000),
    );
    expect(assignments).toHaveLength(expected.length);
    expect(assignments.length).toBeGreaterThan(50);
    // Each ticket's assignee moves chain: a move starts where the previous one ended.
    const last = new Map<number, string | null>();
    for (const move of assignments) {
      expect(move.from).toBe(last.get(move.ticket) ?? null);
      last.set(move.ticket, move.to);
    }
    // Status audits are the same ones; the others carry only an assignee change.
    const withStatus = items.filter((i) =>
      i.child_events.some((c) => 'field_name' in c && c.field_name === 'status'),
    );
    expect(withStatus.map((i) => i.id)).toEqual(plain.map((i) => i.id));
  });
});
