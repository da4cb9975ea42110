import { thresholdCrossings } from '@ticketflow/auditor';
import { KILLABLE, planFaults } from './faults';
import { WorkloadPlanner, type WorkloadOptions } from './workload';

/** Runs a plan against an in-memory account: sequential ticket ids, counts sampled at round ends. */
function simulate(options: WorkloadOptions) {
  const planner = new WorkloadPlanner(options);
  const open = planner.users.map(() => [] as number[]);
  const counts = planner.users.map(() => [0]);
  let nextId = 1000;
  let changes = 0;
  const plans = [];
  for (let round = 1; round <= options.rounds; round++) {
    const actions = planner.plan(round, (u) => open[u]!);
    plans.push(actions);
    const direction = new Map<number, Set<string>>();
    for (const action of actions) {
      changes++;
      if (action.kind === 'create-without-email') continue;
      direction.set(action.user, (direction.get(action.user) ?? new Set()).add(action.kind));
      if (action.kind === 'create') open[action.user]!.push(nextId++);
      else open[action.user] = open[action.user]!.filter((id) => id !== action.ticketId);
    }
    for (const kinds of direction.values()) expect(kinds.size).toBe(1);
    planner.users.forEach((u) => counts[u.index]!.push(open[u.index]!.length));
  }
  const twice = counts.filter(
    (c) => thresholdCrossings(c, 3).filter((k) => k === 'exceeded').length >= 2,
  ).length;
  return { planner, plans, changes, twice, counts };
}

describe('fault-suite workload', () => {
  it('is reproducible per seed and differs between seeds', () => {
    const options = { seed: 7, users: 30, rounds: 8, noEmailRequesters: 3, lateShare: 0.1 };
    expect(simulate(options).plans).toEqual(simulate(options).plans);
    expect(simulate({ ...options, seed: 8 }).plans).not.toEqual(simulate(options).plans);
  });

  it('moves each user one way per round, 1-3 writes, and solves only open tickets', () => {
    const { plans } = simulate({ seed: 3, users: 50, rounds: 12, noEmailRequesters: 2, lateShare: 0.1 });
    for (const actions of plans) {
      const perUser = new Map<number, number>();
      for (const a of actions)
        if (a.kind !== 'create-without-email') perUser.set(a.user, (perUser.get(a.user) ?? 0) + 1);
      for (const n of perUser.values()) expect(n).toBeGreaterThanOrEqual(1);
      for (const n of perUser.values()) expect(n).toBeLessThanOrEqual(3);
    }
  });

  it('the acceptance size (120 users, 15 rounds) makes 3,000+ changes and 40+ users exceed the threshold twice', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const { changes, twice } = simulate({
        seed,
        users: 120,
        rounds: 15,
        noEmailRequesters: 3,
        lateShare: 0.1,
      });
      expect(changes).toBeGreaterThanOrEqual(3_000);
      expect(twice).toBeGreaterThanOrEqual(40);
    }
  });

  it('late users start in the round requesters without email get tickets', () => {
    const { planner, plans } = simulate({
      seed: 5,
      users: 20,
      rounds: 6,
      noEmailRequesters: 2,
      lateShare: 0.1,
    });
    expect(planner.noEmailRound).toBe(4);
    const late = planner.users.filter((u) => u.firstRound === 4).map((u) => u.index);
    expect(late).toEqual([18, 19]);
    for (const actions of plans.slice(0, 3))
      expect(actions.some((a) => a.kind !== 'create-without-email' && late.includes(a.user))).toBe(false);
    expect(plans[3]!.some((a) => a.kind === 'create-without-email')).toBe(true);
  });
});

describe('fault schedule', () => {
  const options = {
    seed: 11,
    rounds: 15,
    kills: 10,
    rebalances: 2,
    brokerKills: 1,
    postgresRestarts: 1,
    webhookFaultShare: 0.5,
  };

  it('is reproducible per seed and holds every fault asked for', () => {
    const plan = planFaults(options);
    expect(planFaults(options)).toEqual(plan);
    const faults = plan.flatMap((r) => r.faults);
    expect(faults.filter((f) => f.kind === 'kill')).toHaveLength(10);
    expect(
      faults.filter((f) => f.kind === 'rebalance').map((f) => f.kind === 'rebalance' && f.group),
    ).toEqual(expect.arrayContaining(['enrichment', 'alerting']));
    expect(faults.filter((f) => f.kind === 'broker-kill')).toHaveLength(1);
    expect(faults.filter((f) => f.kind === 'postgres-restart')).toHaveLength(1);
    for (const f of faults) if (f.kind === 'kill') expect(KILLABLE).toContain(f.target);
    expect(plan.some((r) => r.webhooks.dropRate > 0)).toBe(true);
    expect(plan.some((r) => r.webhooks.dropRate === 0)).toBe(true);
  });

  it('puts infrastructure outages after the first round, and more faults than rounds in some rounds', () => {
    const plan = planFaults({ ...options, rounds: 4, kills: 9 });
    expect(plan[0]!.faults.some((f) => f.kind === 'broker-kill' || f.kind === 'postgres-restart')).toBe(
      false,
    );
    expect(plan.flatMap((r) => r.faults).filter((f) => f.kind === 'kill')).toHaveLength(9);
  });
});
