import { statusCategoryOf } from '@ticketflow/contracts';
import { isOpen, type StatusTransition } from './model';
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
  updatedAt: string;
  history: { at: string; from: string | null; to: string }[];
}

export interface HourlyStatsTruth {
  hourStart: string;
  solvedCount: number;
  /** Minutes from creation to the solve, over tickets solved in the hour (full resolution, calendar). */
  averageResolutionMinutes: number | null;
  medianResolutionMinutes: number | null;
  solvedByAgent: Record<string, number>;
  /** The agent with most solves in the hour; ties go to the lower id. */
  mostEfficientAgentId: number | null;
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

  /** Statistics of the solves that happened in [hourStart, hourStart + 1 h). */
  hourlyStats(hourStartMs: number): HourlyStatsTruth {
    const end = hourStartMs + 3_600_000;
    const resolutions: number[] = [];
    const byAgent: Record<string, number> = {};
    for (const id of this.world.ids()) {
      const ticket = this.world.ticket(id)!;
      if (ticket.changes[0]!.at >= end) continue;
      const state = this.world.state(id, end - 1);
      if (!state) continue;
      for (const transition of state.history) {
        if (transition.at < hourStartMs || transition.to !== 'solved') continue;
        if (statusCategoryOf(transition.from ?? 'new') === 'solved') continue;
        resolutions.push((transition.at - state.createdAt) / 60_000);
        const solver = this.world.state(id, transition.at)!.assigneeId;
        if (solver !== null) byAgent[solver] = (byAgent[solver] ?? 0) + 1;
      }
    }
    resolutions.sort((a, b) => a - b);
    const mid = resolutions.length >> 1;
    const median =
      resolutions.length === 0
        ? null
        : resolutions.length % 2
          ? resolutions[mid]!
          : (resolutions[mid - 1]! + resolutions[mid]!) / 2;
    const top = Object.entries(byAgent).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))[0];
    return {
      hourStart: iso(hourStartMs),
      solvedCount: resolutions.length,
      averageResolutionMinutes: resolutions.length
        ? resolutions.reduce((a, b) => a + b, 0) / resolutions.length
        : null,
      medianResolutionMinutes: median,
      solvedByAgent: byAgent,
      mostEfficientAgentId: top ? Number(top[0]) : null,
    };
  }
}
