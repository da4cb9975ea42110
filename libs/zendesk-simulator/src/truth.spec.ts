import { GroundTruth } from './truth';
import { World } from './world';

const HOUR = Date.parse('2026-11-25T10:00:00Z');

/** An account whose one generated ticket lies a day back; the test moves the clock to place every solve. */
function account() {
  let now = HOUR - 86_400_000;
  const world = new World({ tickets: 1, seed: 7, clock: () => now });
  now = HOUR;
  const [a, b, c] = world.directory.agents;
  const requester = world.directory.requesters[0]!;
  return {
    world,
    truth: new GroundTruth(world),
    agents: [a!.id, b!.id, c!.id].sort((x, y) => x - y),
    requester: requester.id,
    at: (offsetMs: number) => void (now = HOUR + offsetMs),
    create: () => world.createTicket({ requesterId: requester.id }).ticketId,
    /** Solved by `agent` (the action's author), as the solving update's updater. */
    solve: (id: number, agent: number) =>
      world.updateTicket(id, { status: 'solved', comment: { body: 'done', authorId: agent } }),
  };
}

describe('hourly statistics truth (definition v1)', () => {
  it('measures resolution in the whole seconds the API prints, not milliseconds', () => {
    const t = account();
    t.at(900); // created 10:00:00.900, printed 10:00:00
    const id = t.create();
    t.at(10_100); // solved 10:00:10.100, printed 10:00:10
    t.solve(id, t.agents[0]!);
    const stats = t.truth.hourlyStats(HOUR);
    expect(stats).toMatchObject({
      definitionVersion: 1,
      windowStart: '2026-11-25T10:00:00.000Z',
      windowEnd: '2026-11-25T11:00:00.000Z',
      solvedCount: 1,
      resolutionSecondsSum: 10,
      averageResolutionSeconds: 10,
      medianResolutionSeconds: 10,
      unattributedSolves: 0,
      agents: [{ agentId: String(t.agents[0]), solvedCount: 1, resolutionSecondsSum: 10 }],
      mostEfficientAgentId: String(t.agents[0]),
      fastestAgentId: null,
    });
  });

  it('counts a solve once although the ticket is deleted and restored (undelete is not a solve), and a reopened ticket solved again twice', () => {
    const t = account();
    const deleted = t.create();
    const reopened = t.create();
    t.at(60_000);
    t.solve(deleted, t.agents[0]!);
    t.solve(reopened, t.agents[0]!);
    t.at(120_000);
    t.world.softDelete(deleted);
    t.world.updateTicket(reopened, { status: 'open' });
    t.at(180_000);
    t.world.undelete(deleted);
    t.solve(reopened, t.agents[0]!);
    expect(t.world.state(deleted)!.history.map((h) => `${h.from}>${h.to}`)).toContain('deleted>solved');
    const stats = t.truth.hourlyStats(HOUR);
    expect(stats.solvedCount).toBe(3);
    expect(stats.resolutionSecondsSum).toBe(60 + 60 + 180);
    expect(stats.medianResolutionSeconds).toBe(60);
  });

  it('leaves a solve by the requester unattributed: counted, in no agent figures', () => {
    const t = account();
    const id = t.create();
    t.at(30_000);
    t.world.updateTicket(id, { status: 'solved', comment: { body: 'thanks, fixed', authorId: t.requester } });
    const stats = t.truth.hourlyStats(HOUR);
    expect(stats).toMatchObject({
      solvedCount: 1,
      unattributedSolves: 1,
      agents: [],
      mostEfficientAgentId: null,
    });
  });

  it('breaks a tie on count by the lower average, then by the lowest id', () => {
    const t = account();
    const [low, high] = t.agents;
    const tickets = Array.from({ length: 4 }, () => t.create());
    t.at(20_000);
    t.solve(tickets[3]!, high!);
    t.at(100_000);
    t.solve(tickets[0]!, low!);
    t.solve(tickets[1]!, low!);
    t.at(150_000);
    t.solve(tickets[2]!, high!); // high: 2 solves, 170 s; low: 2 solves, 200 s
    expect(t.truth.hourlyStats(HOUR).mostEfficientAgentId).toBe(String(high));

    const even = account();
    const ids = Array.from({ length: 4 }, () => even.create());
    even.at(100_000);
    ids.forEach((id, i) => even.solve(id, i % 2 ? even.agents[1]! : even.agents[0]!));
    expect(even.truth.hourlyStats(HOUR).mostEfficientAgentId).toBe(String(even.agents[0]));
  });

  it('names the fastest agent only among those with at least 3 solves', () => {
    const t = account();
    const [steady, quick] = t.agents;
    const tickets = Array.from({ length: 5 }, () => t.create());
    t.at(5_000);
    t.solve(tickets[0]!, quick!);
    t.solve(tickets[1]!, quick!); // 2 solves of 5 s: too few to be the fastest
    t.at(600_000);
    for (const id of tickets.slice(2)) t.solve(id, steady!);
    const stats = t.truth.hourlyStats(HOUR);
    expect(stats.mostEfficientAgentId).toBe(String(steady));
    expect(stats.fastestAgentId).toBe(String(steady));
  });

  it('puts a solve in the window its printed second falls in, for any window length', () => {
    const t = account();
    const first = t.create();
    const second = t.create();
    t.at(59_999); // printed 10:00:59: the first minute
    t.solve(first, t.agents[0]!);
    t.at(60_000); // printed 10:01:00: the second minute
    t.solve(second, t.agents[0]!);
    expect(t.truth.hourlyStats(HOUR, 60).solvedCount).toBe(1);
    expect(t.truth.hourlyStats(HOUR + 60_000, 60)).toMatchObject({
      solvedCount: 1,
      windowEnd: '2026-11-25T10:02:00.000Z',
      windowSeconds: 60,
    });
    expect(t.truth.hourlyStats(HOUR).solvedCount).toBe(2);
  });
});
