import {
  MIN_SOLVES_FOR_FASTEST,
  type AgentHourFigures,
  type HourlyStatsResult,
  type StatsSolveFact,
} from '@ticketflow/contracts';
import { compareIds } from './ids';
import { addSolve, isSolve } from './solves';
import { isoOf } from './time';

/** The sealed facts of one window: its solves, the created_at of their tickets, the roles of their updaters. */
export interface HourFacts {
  solves: readonly StatsSolveFact[];
  /** Ticket id → created_at, unix seconds. */
  createdAt: ReadonlyMap<string, number>;
  /** Updater id → role; null or absent: unknown to Zendesk. */
  roles: ReadonlyMap<string, string | null>;
}

const ATTRIBUTED_ROLES: ReadonlySet<string> = new Set(['agent', 'admin']);

/**
 * Definition v1 of one window [windowStart, windowStart + windowSeconds) (unix seconds): the result depends on
 * the set of facts only, never on their order or repetition. Throws when a solved ticket has no created_at: the
 * completion predicate must hold before anything is computed.
 */
export function computeHourlyStats(
  facts: HourFacts,
  windowStart: number,
  windowSeconds: number,
): HourlyStatsResult {
  const windowEnd = windowStart + windowSeconds;
  const solves = new Map<string, StatsSolveFact>();
  for (const solve of facts.solves) {
    if (solve.at < windowStart || solve.at >= windowEnd || !isSolve({ to: 'solved', from: solve.from }))
      continue;
    addSolve(solves, solve);
  }

  const resolutions: number[] = [];
  const agents = new Map<string, Figures>();
  let unattributed = 0;
  for (const solve of solves.values()) {
    const created = facts.createdAt.get(solve.ticketId);
    if (created === undefined)
      throw new Error(`ticket ${solve.ticketId} has no created_at: the window is not complete`);
    const resolution = solve.at - created;
    resolutions.push(resolution);
    if (!ATTRIBUTED_ROLES.has(facts.roles.get(solve.updaterId) ?? '')) {
      unattributed++;
      continue;
    }
    const figures = agents.get(solve.updaterId) ?? { solvedCount: 0, resolutionSecondsSum: 0 };
    agents.set(solve.updaterId, {
      solvedCount: figures.solvedCount + 1,
      resolutionSecondsSum: figures.resolutionSecondsSum + resolution,
    });
  }

  resolutions.sort((a, b) => a - b);
  const count = resolutions.length;
  const sum = resolutions.reduce((a, b) => a + b, 0);
  const mid = count >> 1;
  const byId: AgentHourFigures[] = [...agents]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([agentId, figures]) => ({ agentId, ...figures }));
  return {
    definitionVersion: 1,
    windowStart: isoOf(windowStart),
    windowEnd: isoOf(windowEnd),
    windowSeconds,
    solvedCount: count,
    resolutionSecondsSum: sum,
    averageResolutionSeconds: count ? sum / count : null,
    medianResolutionSeconds:
      count === 0 ? null : count % 2 ? resolutions[mid]! : (resolutions[mid - 1]! + resolutions[mid]!) / 2,
    unattributedSolves: unattributed,
    agents: byId,
    mostEfficientAgentId: firstBy(byId, moreEfficient)?.agentId ?? null,
    fastestAgentId:
      firstBy(
        byId.filter((agent) => agent.solvedCount >= MIN_SOLVES_FOR_FASTEST),
        faster,
      )?.agentId ?? null,
  };
}

type Figures = Pick<AgentHourFigures, 'solvedCount' | 'resolutionSecondsSum'>;

/** sum_a × n_b against sum_b × n_a: the averages compared exactly (BigInt: the products may pass 2^53). */
function compareAverages(a: Figures, b: Figures): number {
  const left = BigInt(a.resolutionSecondsSum) * BigInt(b.solvedCount);
  const right = BigInt(b.resolutionSecondsSum) * BigInt(a.solvedCount);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Most solves, then the lower average. */
const moreEfficient = (a: Figures, b: Figures) =>
  a.solvedCount > b.solvedCount || (a.solvedCount === b.solvedCount && compareAverages(a, b) < 0);

/** Lower average, then more solves. */
const faster = (a: Figures, b: Figures) => {
  const order = compareAverages(a, b);
  return order < 0 || (order === 0 && a.solvedCount > b.solvedCount);
};

/** The best agent of a list in ascending id order; a full tie keeps the earlier one, the lowest id. */
function firstBy(agents: readonly AgentHourFigures[], better: (a: Figures, b: Figures) => boolean) {
  let best: AgentHourFigures | undefined;
  for (const agent of agents) if (!best || better(agent, best)) best = agent;
  return best;
}
