import { metricEventsOf, type TicketMetricEvent } from './metric-events';
import { startSimulator, type Simulator } from './simulator';
import { World } from './world';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('ticket metric events (S4)', () => {
  const world = new World({ tickets: 300, seed: 12, clock: () => NOW });
  const events = [...world.ids()].flatMap((id) => {
    const ticket = world.ticket(id)!;
    const history = world.state(id)?.history ?? [];
    return metricEventsOf(id, ticket.seed.requesterId, history, ticket.changes).map((e) => e.event);
  });

  it('fulfills resolution_time at every solve, at its second, and activates it again at every reopen', () => {
    for (const id of world.ids()) {
      const history = world.state(id)?.history ?? [];
      const solves = history.filter(
        (t) => t.to === 'solved' && (t.from === null || ['new', 'open', 'pending', 'hold'].includes(t.from)),
      );
      const fulfilled = events.filter(
        (e) => e.ticket_id === id && e.metric === 'resolution_time' && e.type === 'fulfill',
      );
      expect(fulfilled.map((e) => Date.parse(e.time))).toEqual(
        solves.map((t) => Math.floor(t.at / 1000) * 1000),
      );
      const reopens = history.filter((t) => t.from === 'solved' && t.to !== 'closed').length;
      expect(
        events.filter((e) => e.ticket_id === id && e.metric === 'resolution_time' && e.type === 'activate'),
      ).toHaveLength(1 + reopens);
    }
    expect(
      events.filter((e) => e.type === 'fulfill' && e.metric === 'resolution_time').length,
    ).toBeGreaterThan(100);
  });

  it('runs each metric instance as activate, then pause and activate in turn, ending at most once in fulfill', () => {
    const runs = new Map<string, TicketMetricEvent[]>();
    for (const e of events) {
      const key = `${e.ticket_id}:${e.metric}:${e.instance_id}`;
      runs.set(key, [...(runs.get(key) ?? []), e]);
    }
    for (const run of runs.values()) {
      const types = run.map((e) => e.type).join(' ');
      expect(types).toMatch(/^activate( pause activate)*( pause)?( fulfill)?$/);
    }
    expect(events.some((e) => e.metric === 'agent_work_time' && e.type === 'pause')).toBe(true);
    expect(events.some((e) => e.metric === 'reply_time' && e.type === 'fulfill')).toBe(true);
  });
});

describe('GET /api/v2/incremental/ticket_metric_events', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      tickets: 300,
      seed: 12,
      apiFaults: { errorRate: 0 },
      limits: { perMinute: 100_000, incrementalPerMinute: 100_000 },
    });
  });
  afterAll(() => sim.close());
  const get = async (path: string) =>
    (await (
      await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, {
        headers: { authorization: sim.authorization },
      })
    ).json()) as Record<string, unknown>;

  it('serves every event once by cursor (page[size] <= 100) and by time (end_time), the same events', async () => {
    const byCursor: TicketMetricEvent[] = [];
    let next: string | null = '/api/v2/incremental/ticket_metric_events.json?start_time=0&page[size]=100';
    while (next) {
      const page = await get(next);
      const items = page['ticket_metric_events'] as TicketMetricEvent[];
      expect(items.length).toBeLessThanOrEqual(100);
      byCursor.push(...items);
      next = (page['links'] as { next: string | null }).next;
    }
    const byTime = new Map<number, TicketMetricEvent>();
    let start = 0;
    for (;;) {
      const page = await get(`/api/v2/incremental/ticket_metric_events.json?start_time=${start}`);
      for (const e of page['ticket_metric_events'] as TicketMetricEvent[]) byTime.set(e.id, e);
      if (page['end_of_stream']) break;
      expect(page['end_time']).toBeGreaterThan(start);
      start = page['end_time'] as number;
    }
    expect(new Set(byCursor.map((e) => e.id)).size).toBe(byCursor.length);
    expect([...byTime.values()].sort((a, b) => a.id - b.id)).toEqual(byCursor.sort((a, b) => a.id - b.id));
    expect(byCursor.length).toBeGreaterThan(1_000);
    const times = byCursor.map((e) => Date.parse(e.time));
    expect(Math.max(...times)).toBeLessThan(Date.now() - 60_000);
  });

  it('refuses a start_time younger than a minute', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await get(`/api/v2/incremental/ticket_metric_events.json?start_time=${now}`)).toMatchObject({
      error: 'InvalidValue',
    });
  });
});
