import type { UserOpenTicketsChanged } from '@ticketflow/contracts';
import { decide, type UserAlertState } from './threshold';

const change = (ids: string[]): UserOpenTicketsChanged => ({
  schemaVersion: 1,
  type: 'user.open_tickets_changed',
  eventId: `e-${ids.length}`,
  occurredAt: '2026-11-25T10:00:00Z',
  userId: 'u1',
  openTicketIds: ids,
  openCount: ids.length,
  causeEventId: null,
});

function run(counts: number[], threshold = 3) {
  let state: UserAlertState | null = null;
  const alerts: string[] = [];
  for (const n of counts) {
    const decision = decide(state, change(Array.from({ length: n }, (_, i) => String(i))), threshold);
    state = decision.state;
    alerts.push(...decision.alerts.map((a) => `${a.type}@${a.openCount}`));
  }
  return alerts;
}

describe('threshold alerts', () => {
  it('fires once when the count goes above 3, not on later changes above it', () => {
    expect(run([1, 2, 3, 4, 5, 4, 6])).toEqual(['user.threshold.exceeded@4']);
  });

  it('re-arms when the count falls back to the threshold, with a recovery event', () => {
    expect(run([4, 3, 2, 4, 5, 3])).toEqual([
      'user.threshold.exceeded@4',
      'user.threshold.recovered@3',
      'user.threshold.exceeded@4',
      'user.threshold.recovered@3',
    ]);
  });

  it('is idempotent: the same state again decides nothing', () => {
    expect(run([4, 4, 4])).toEqual(['user.threshold.exceeded@4']);
    expect(run([0, 0, 3, 3])).toEqual([]);
  });

  it('ignores a set that is not newer than the one applied: no alert decided from an older message', () => {
    const set = (n: number, version: number) => ({
      ...change(Array.from({ length: n }, (_, i) => String(i))),
      version,
      eventId: `u1:${version}`,
    });
    let state: UserAlertState | null = null;
    const alerts: string[] = [];
    for (const c of [set(2, 1), set(4, 3), set(2, 2), set(4, 3), set(3, 4)]) {
      const decision = decide(state, c, 3);
      state = decision.state;
      alerts.push(...decision.alerts.map((a) => `${a.type}@${a.openCount}`));
    }
    expect(alerts).toEqual(['user.threshold.exceeded@4', 'user.threshold.recovered@3']);
    expect(state?.version).toBe(4);
  });

  it('takes a configurable threshold', () => {
    expect(run([1, 2, 3], 1)).toEqual(['user.threshold.exceeded@2']);
  });
});
