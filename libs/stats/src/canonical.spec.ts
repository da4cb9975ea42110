import { canonicalJson, resultSha256 } from './canonical';
import { computeHourlyStats } from './compute';
import { T0, W } from '../test/log-builders';

describe('canonical JSON and the result digest', () => {
  it('sorts keys at every depth, leaves out undefined members, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }, 3], e: undefined, é: 'x', Z: true })).toBe(
      '{"Z":true,"a":[{"c":null,"d":2},3],"b":1,"é":"x"}',
    );
    expect(() => canonicalJson({ a: NaN })).toThrow();
  });

  it('gives one digest whatever the order the facts come in', () => {
    const solves = [
      { auditId: '1', ticketId: '10', at: T0 + 1, updaterId: '9', from: 'open' },
      { auditId: '2', ticketId: '11', at: T0 + 2, updaterId: '10', from: null },
      { auditId: '1', ticketId: '10', at: T0 + 1, updaterId: '9', from: 'open' },
    ];
    const facts = (order: typeof solves) => ({
      solves: order,
      createdAt: new Map([
        ['10', T0 - 5],
        ['11', T0 + 2],
      ]),
      roles: new Map<string, string | null>([
        ['9', 'agent'],
        ['10', 'admin'],
      ]),
    });
    const a = computeHourlyStats(facts(solves), T0, W);
    const b = computeHourlyStats(facts([...solves].reverse()), T0, W);
    expect(a.solvedCount).toBe(2);
    expect(resultSha256(a)).toBe(resultSha256(b));
    expect(resultSha256(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(resultSha256({ ...a, solvedCount: 3 })).not.toBe(resultSha256(a));
  });

  it('an empty window: no average, median or agents', () => {
    expect(computeHourlyStats({ solves: [], createdAt: new Map(), roles: new Map() }, T0, W)).toMatchObject({
      solvedCount: 0,
      resolutionSecondsSum: 0,
      averageResolutionSeconds: null,
      medianResolutionSeconds: null,
      agents: [],
      mostEfficientAgentId: null,
      fastestAgentId: null,
    });
  });

  it('refuses to compute a window with a solved ticket without created_at', () => {
    const solves = [{ auditId: '1', ticketId: '10', at: T0 + 1, updaterId: '9', from: 'open' }];
    expect(() => computeHourlyStats({ solves, createdAt: new Map(), roles: new Map() }, T0, W)).toThrow(
      /created_at/,
    );
  });
});
