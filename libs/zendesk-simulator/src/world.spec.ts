import { statusCategoryOf } from '@ticketflow/contracts';
import { GroundTruth } from './truth';
import { restTicketMetric } from './rest-shapes';
import { World } from './world';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const world = (tickets = 2_000, seed = 42) => new World({ tickets, seed, clock: () => NOW });

describe('simulated world', () => {
  it('is deterministic per seed', () => {
    const a = world(300);
    const b = world(300);
    const c = world(300, 43);
    const states = (w: World) => [...w.ids()].map((id) => JSON.stringify(w.state(id)));
    expect(states(a)).toEqual(states(b));
    expect(states(a)).not.toEqual(states(c));
  });

  it('covers every life cycle a Zendesk account shows', () => {
    const w = world();
    const seen = new Set<string>();
    let reopened = 0;
    let customStatuses = 0;
    for (const id of w.ids()) {
      const state = w.state(id)!;
      seen.add(state.deleted === 'permanent' ? 'purged' : state.status);
      if (state.spam) seen.add('spam');
      if (state.mergedInto !== null) seen.add('merged');
      if (state.history.some((h) => h.from === 'deleted')) seen.add('undeleted');
      if (state.reopens > 0) reopened++;
      if (state.customStatusId !== null && state.customStatusId > 5) customStatuses++;
      // History is a chain: each transition starts where the previous one ended.
      state.history.forEach((h, i) => expect(h.from).toBe(i === 0 ? null : state.history[i - 1]!.to));
    }
    for (const kind of [
      'new',
      'open',
      'pending',
      'hold',
      'solved',
      'closed',
      'deleted',
      'purged',
      'spam',
      'merged',
      'undeleted',
    ]) {
      expect(seen).toContain(kind);
    }
    expect(reopened).toBeGreaterThan(0);
    expect(customStatuses).toBeGreaterThan(0);
  });

  it('gives metrics consistent with each life cycle', () => {
    const w = world(500);
    for (const id of w.ids()) {
      const state = w.state(id)!;
      const metric = restTicketMetric(state, 'http://x');
      expect(metric.reopens).toBe(
        state.history.filter((h) => h.to === 'open' && statusCategoryOf(h.from ?? 'new') === 'solved').length,
      );
      if (state.status === 'solved' || state.status === 'closed') {
        expect(metric.full_resolution_time_in_minutes.calendar).toBe(
          Math.round((state.solvedAt! - state.createdAt) / 60_000),
        );
        expect(metric.solved_at).not.toBeNull();
      } else {
        expect(metric.full_resolution_time_in_minutes.calendar).toBeNull();
      }
    }
  });

  it('keeps export order by update time, live changes included', () => {
    let now = NOW;
    const w = new World({ tickets: 400, clock: () => now });
    const first = [...w.inUpdateOrder(null, 0, Infinity)][0]!;
    now += 1_000;
    w.updateTicket(w.state(first.id)!.deleted ? first.id + 1 : first.id, { priority: 'urgent' });
    const order = [...w.inUpdateOrder(null, 0, Infinity)];
    expect(order).toHaveLength(400);
    expect(new Set(order.map((p) => p.id)).size).toBe(400);
    for (let i = 1; i < order.length; i++) expect(order[i]!.at >= order[i - 1]!.at).toBe(true);
    expect(order[order.length - 1]!.at).toBe(now);
  });

  it('lists the tickets a user requested, live ones included', () => {
    const w = world(400);
    const requester = w.directory.requesters[0]!;
    const { ticketId } = w.createTicket({ requesterId: requester.id });
    const scanned = [...w.ids()].filter((id) => w.state(id)!.seed.requesterId === requester.id);
    expect(scanned.length).toBeGreaterThan(5);
    expect(w.requestedBy(requester.id)).toEqual(scanned);
    expect(w.requestedBy(requester.id).at(-1)).toBe(ticketId);
    expect(w.requestedBy(w.directory.agents[0]!.id)).toEqual([]);
  });

  it('answers ground truth at any moment', () => {
    let now = NOW;
    const w = new World({ tickets: 50, clock: () => now });
    const truth = new GroundTruth(w);
    const requester = w.directory.requesters[1]!;
    const before = truth.openTicketsByEmail()[requester.email.toLowerCase()] ?? [];
    const { ticketId } = w.createTicket({ requesterId: requester.id });
    now += 60_000;
    w.updateTicket(ticketId, { status: 'solved', assigneeId: w.directory.agents[0]!.id });
    expect(truth.openTicketsByEmail(NOW)[requester.email.toLowerCase()]).toEqual([...before, ticketId]);
    expect(truth.openTicketsByEmail()[requester.email.toLowerCase()] ?? []).toEqual(before);
    expect(truth.ticket(ticketId)!.history.map((h) => [h.from, h.to])).toEqual([
      [null, 'new'],
      ['new', 'solved'],
    ]);
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    const stats = truth.hourlyStats(hour);
    expect(
      stats.agents.find((a) => a.agentId === String(w.directory.agents[0]!.id))?.solvedCount,
    ).toBeGreaterThanOrEqual(1);
  });

  it('builds a large world lazily (1,000,000 is measured in bench/)', () => {
    const started = Date.now();
    const big = new World({ tickets: 100_000, clock: () => NOW });
    expect(big.ticketCount).toBe(100_000);
    expect(big.state(1000 + 99_999)).not.toBeNull();
    console.log(`100,000-ticket world built in ${Date.now() - started} ms`);
  });
});
