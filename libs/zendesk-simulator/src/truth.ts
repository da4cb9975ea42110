import {
  MIN_SOLVES_FOR_FASTEST,
  UNSOLVED_STATUSES,
  statusCategoryOf,
  type HourlyStatsResult,
} from '@ticketflow/contracts';
import { updaterOf } from './audits';
import { isOpen, tagsOf, type StatusTransition } from './model';
import { customFieldsOf } from './rest-shapes';
import type { World } from './world';

export interface TicketTruth {
  id: number;
  requesterId: number;
  requesterEmail: string | null;
  status: string;
  statusCategory: string | null;
  customStatusId: number | null;
  open: boolean;
  deleted: 'soft' | 'permanent' | null;
  /** Who handles it (its "sector"), with the group's current name; its type and tags. */
  group: { id: number; name: string };
  type: string;
  tags: string[];
  /** Custom field values by field id (string), as the REST API gives them. */
  customFields: Record<string, unknown>;
  updatedAt: string;
  history: { at: string; from: string | null; to: string }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The true state of the simulated account at any moment, for tests and benchmarks to compare against. */
export class GroundTruth {
  constructor(private readonly world: World) {}

  ticket(id: number, at = Infinity): TicketTruth | null {
    const state = this.world.state(id, at);
    if (!state) return null;
    return {
      id,
      requesterId: state.seed.requesterId,
      requesterEmail: this.world.directory.usersById.get(state.seed.requesterId)?.email ?? null,
      status: state.status,
      statusCategory: statusCategoryOf(state.status),
      customStatusId: state.customStatusId,
      open: isOpen(state),
      deleted: state.deleted,
      group: {
        id: state.seed.groupId,
        name: this.world.directory.groups.find((g) => g.id === state.seed.groupId)!.name,
      },
      type: state.seed.type,
      tags: tagsOf(state),
      customFields: Object.fromEntries(customFieldsOf(id).map((f) => [String(f.id), f.value])),
      updatedAt: iso(state.updatedAt),
      history: state.history.map((h: StatusTransition) => ({ at: iso(h.at), from: h.from, to: h.to })),
    };
  }

  /** Open ticket ids per requester email (lower-cased), for requesters with at least one. */
  openTicketsByEmail(at = Infinity): Record<string, number[]> {
    const result: Record<string, number[]> = {};
    for (const id of this.world.ids()) {
      const state = this.world.state(id, at);
      if (!state || !isOpen(state)) continue;
      const email = this.world.directory.usersById.get(state.seed.requesterId)?.email?.toLowerCase();
      if (email) (result[email] ??= []).push(id);
    }
    return result;
  }

  /** Every ticket's truth at a moment (tests compare read models with it). */
  allTickets(at = Infinity): TicketTruth[] {
    const out: TicketTruth[] = [];
    for (const id of this.world.ids()) {
      const truth = this.ticket(id, at);
      if (truth) out.push(truth);
    }
    return out;
  }

  /**
   * Statistics of the window [windowStartMs, + windowSeconds), definition version 1, computed the plain way from
   * the world (an independent reference for the collector): whole seconds as the API prints them, a solve is a
   * move to solved from new/open/pending/hold or from nothing, the solver is the solving action's user when an
   * agent or admin.
   */
  hourlyStats(windowStartMs: number, windowSeconds = 3600): HourlyStatsResult {
    const start = windowStartMs / 1000;
    const end = start + windowSeconds;
    const resolutions: number[] = [];
    const agents = new Map<number, { solvedCount: number; resolutionSecondsSum: number }>();
    let unattributed = 0;
    for (const id of this.world.ids()) {
      const ticket = this.world.ticket(id)!;
      if (seconds(ticket.changes[0]!.at) >= end) continue;
      const state = this.world.state(id, end * 1000 - 1);
      if (!state) continue;
      for (const transition of state.history) {
        const at = seconds(transition.at);
        if (at < start || transition.to !== 'solved') continue;
        if (transition.from !== null && !UNSOLVED_STATUSES.has(transition.from)) continue;
        const resolution = at - seconds(state.createdAt);
        resolutions.push(resolution);
        const updater = updaterOf(ticket.changes, transition.sequenceId);
        const role = this.world.directory.usersById.get(updater)?.role;
        if (role !== 'agent' && role !== 'admin') {
          unattributed++;
          continue;
        }
        const figures = agents.get(updater) ?? { solvedCount: 0, resolutionSecondsSum: 0 };
        figures.solvedCount++;
        figures.resolutionSecondsSum += resolution;
        agents.set(updater, figures);
      }
    }
    resolutions.sort((a, b) => a - b);
    const mid = resolutions.length >> 1;
    const sum = resolutions.reduce((a, b) => a + b, 0);
    const byId = [...agents].sort((a, b) => a[0] - b[0]);
    // a before b when a's average is lower: sum_a × n_b < sum_b × n_a, exact in integers.
    const fasterThan = (a: AgentFigures, b: AgentFigures) =>
      a.resolutionSecondsSum * b.solvedCount - b.resolutionSecondsSum * a.solvedCount;
    const mostEfficient = [...byId].sort(
      ([idA, a], [idB, b]) => b.solvedCount - a.solvedCount || fasterThan(a, b) || idA - idB,
    )[0];
    const fastest = byId
      .filter(([, a]) => a.solvedCount >= MIN_SOLVES_FOR_FASTEST)
      .sort(([idA, a], [idB, b]) => fasterThan(a, b) || b.solvedCount - a.solvedCount || idA - idB)[0];
    return {
      definitionVersion: 1,
      windowStart: iso(start * 1000),
      windowEnd: iso(end * 1000),
      windowSeconds,
      solvedCount: resolutions.length,
      resolutionSecondsSum: sum,
      averageResolutionSeconds: resolutions.length ? sum / resolutions.length : null,
      medianResolutionSeconds:
        resolutions.length === 0
          ? null
          : resolutions.length % 2
            ? resolutions[mid]!
            : (resolutions[mid - 1]! + resolutions[mid]!) / 2,
      unattributedSolves: unattributed,
      agents: byId.map(([agentId, figures]) => ({ agentId: String(agentId), ...figures })),
      mostEfficientAgentId: mostEfficient ? String(mostEfficient[0]) : null,
      fastestAgentId: fastest ? String(fastest[0]) : null,
    };
  }
}

type AgentFigures = { solvedCount: number; resolutionSecondsSum: number };
const seconds = (ms: number) => Math.floor(ms / 1000);
