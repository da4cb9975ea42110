import type { StatsSolveFact } from '@ticketflow/contracts';
import { resultSha256 } from './canonical';
import { computeHourlyStats } from './compute';
import { decide } from './decide';
import { hourReread } from './events';
import { evolve } from './evolve';
import { initialStatsState, type HourState, type StatsState } from './state';
import { revisionDue } from './verify';
import { T0, W, testConfig } from '../test/log-builders';

const solve = (auditId: number, ticketId: number, at: number): StatsSolveFact => ({
  auditId: String(auditId),
  ticketId: String(ticketId),
  at,
  updaterId: '9',
  from: 'open',
});
const A = solve(1, 101, T0 + 5);
const B = solve(2, 102, T0 + 20);
const C = solve(3, 103, T0 + 59); // the window's last second
const roles = new Map([['9', 'agent']]);
const createdAt = new Map([
  ['101', T0 - 100],
  ['102', T0 - 200],
  ['103', T0 - 300],
]);
const STORED_AT = T0 + 500;
// Collection starts later, so no other window is pending: decide has only the verification to do.
const config = { ...testConfig, collectionStart: STORED_AT + 100_000, verifyAfterSeconds: 600 };

/** A state whose window T0 was stored (revision 1) from `stored`, while the walk has since folded `folded`. */
function storedWindow(stored: StatsSolveFact[], folded = stored): StatsState {
  const result = computeHourlyStats({ solves: stored, createdAt, roles }, T0, W);
  const hour: HourState = {
    windowStart: T0,
    solves: new Map(folded.map((s) => [`${s.ticketId}:${s.auditId}`, s])),
    opened: { settleSeconds: 300 },
    roles,
    completed: { revision: 1, result, resultSha256: resultSha256(result), at: STORED_AT, solves: stored },
    verification: null,
  };
  return { ...initialStatsState(W), createdAt, hours: new Map([[T0, hour]]) };
}

const reread = (state: StatsState, solves: StatsSolveFact[]) =>
  evolve(
    state,
    hourReread(
      { windowStart: T0, revision: 1 },
      { pages: 1, solves, users: [], tickets: [] },
      new Date((STORED_AT + 600) * 1000).toISOString(),
    ),
  );

describe('verification of a stored window', () => {
  it('is due verifyAfterSeconds after storing, once; a deferred window is left alone', () => {
    const state = storedWindow([A, B]);
    expect(decide(state, STORED_AT + 599, config)).toMatchObject({ kind: 'wait', until: STORED_AT + 600 });
    expect(decide(state, STORED_AT + 600, config)).toEqual({
      kind: 'verify',
      windows: [{ windowStart: T0, revision: 1 }],
    });
    expect(decide(state, STORED_AT + 600, config, new Set([T0])).kind).toBe('wait');
    expect(decide(reread(state, [A, B]), STORED_AT + 9_999, config).kind).toBe('wait');
  });

  it('keeps a stored solve the re-read no longer shows (a solve counts forever): no revision', () => {
    const state = reread(storedWindow([A, B]), [A]);
    expect(state.hours.get(T0)!.verification).toEqual({ revision: 1, verdict: 'same' });
    expect(revisionDue(state)).toBeNull();
  });

  it('revises with the solves the stored revision lacked, the last second of the window included', () => {
    const state = reread(storedWindow([A, B]), [A, B, C]);
    const revision = revisionDue(state)!;
    expect(revision).toMatchObject({
      kind: 'revise',
      revision: 2,
      result: computeHourlyStats({ solves: [A, B, C], createdAt, roles }, T0, W),
      diff: { previousRevision: 1, addedSolves: [C], removedSolves: [] },
    });
    expect(revision.diff.changedFields).toEqual(
      expect.arrayContaining(['solvedCount', 'resolutionSecondsSum']),
    );
    expect(revisionDue(state, new Set([T0]))).toBeNull();
  });

  it('compares with the facts the stored revision was computed from, not with what the walk folded since', () => {
    // C reached the window after it was stored (a walk restarting inside it): the revision still adds C.
    const state = reread(storedWindow([A, B], [A, B, C]), [A, B, C]);
    expect(revisionDue(state)!.diff.addedSolves).toEqual([C]);
  });

  it('cannot compare a re-read whose solve has no created_at: inconclusive, nothing revised', () => {
    const state = reread(storedWindow([A]), [A, solve(4, 999, T0 + 30)]);
    expect(state.hours.get(T0)!.verification).toMatchObject({ verdict: 'inconclusive' });
    expect(revisionDue(state)).toBeNull();
  });
});
