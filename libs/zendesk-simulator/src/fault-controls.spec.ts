import { FaultControls, deliverySummaries } from './fault-controls';
import { GroundTruth } from './truth';
import { World } from './world';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('fault-suite controls', () => {
  let now = NOW;
  const world = () => new World({ tickets: 10, seed: 3, clock: () => now++ });

  it('adds requesters with and without email; the truth skips the ones without', () => {
    const w = world();
    const controls = new FaultControls(w);
    const ann = controls.addRequester({ email: 'Ann.Suite@Example.com' });
    const phone = controls.addRequester({ email: null });
    expect(phone.id).toBe(ann.id + 1);
    expect(w.directory.usersByEmail.get('ann.suite@example.com')?.id).toBe(ann.id);
    expect(w.directory.usersById.get(phone.id)?.email).toBeNull();
    expect(() => controls.addRequester({ email: 'ann.suite@example.com' })).toThrow(/already/);

    const [, phoneTicket] = controls.apply([
      { kind: 'create', requesterId: ann.id },
      { kind: 'create', requesterId: phone.id },
    ]);
    const open = new GroundTruth(w).openTicketsByEmail();
    expect(open['ann.suite@example.com']).toHaveLength(1);
    expect(Object.values(open).flat()).not.toContain((phoneTicket as { ticketId: number }).ticketId);
  });

  it('applies creations, solves and reopens in order and reports open counts at marks', () => {
    const w = world();
    const controls = new FaultControls(w);
    const { id } = controls.addRequester({ email: 'bo@example.com' });
    controls.mark('start');
    const created = controls.apply([1, 2, 3, 4].map(() => ({ kind: 'create' as const, requesterId: id })));
    const ids = created.map((r) => ('ticketId' in r ? r.ticketId : -1));
    controls.mark('round 1');
    expect(controls.apply([{ kind: 'solve', ticketId: ids[0]! }])).toEqual([
      { ticketId: ids[0], status: 'solved' },
    ]);
    controls.mark('round 2');
    controls.apply([{ kind: 'reopen', ticketId: ids[0]! }]);
    controls.mark('round 3');
    expect(controls.apply([{ kind: 'solve', ticketId: 999_999 }])[0]).toHaveProperty('error');
    const timeline = controls.timeline();
    expect(timeline.marks.map((m) => m.label)).toEqual(['start', 'round 1', 'round 2', 'round 3']);
    expect(timeline.openCounts['bo@example.com']).toEqual([0, 4, 3, 4]);
  });

  it('moves the clock forward for changes and exports alike', () => {
    const w = world();
    const controls = new FaultControls(w);
    const before = w.clock();
    expect(controls.advanceClock(61_000)).toBe(61_000);
    expect(w.clock()).toBeGreaterThanOrEqual(before + 61_000);
    const { id } = controls.addRequester({ email: 'cy@example.com' });
    const [result] = controls.apply([{ kind: 'create', requesterId: id }]);
    const state = w.state((result as { ticketId: number }).ticketId)!;
    expect(state.createdAt).toBeGreaterThanOrEqual(before + 61_000);
  });

  it('summarises deliveries without their bodies', () => {
    expect(
      deliverySummaries([
        {
          invocationId: 'i',
          targetId: 't',
          eventId: 'e1',
          eventType: 'zen:event-type:ticket.created',
          ticketId: 1000,
          sequenceId: 'live-1',
          body: '{}',
          copy: 1,
          attempts: [{ at: new Date(NOW).toISOString(), status: 200 }],
          outcome: 'delivered',
        },
      ]),
    ).toEqual([
      {
        eventId: 'e1',
        eventType: 'zen:event-type:ticket.created',
        ticketId: 1000,
        copy: 1,
        outcome: 'delivered',
        attempts: [200],
      },
    ]);
  });
});
