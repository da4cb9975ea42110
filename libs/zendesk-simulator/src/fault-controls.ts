import { isOpen } from './model';
import type { DeliveryRecord } from './webhook-sender';
import { WorldError, type World } from './world';

/** One deterministic write a fault suite asks for; a batch is applied in order, in one tick. */
export type WorkloadAction =
  | { kind: 'create'; requesterId: number }
  | { kind: 'solve'; ticketId: number }
  | { kind: 'reopen'; ticketId: number };

export type ActionResult = { ticketId: number; status: string } | { error: string };

export interface TimelineMark {
  label: string;
  at: string;
}

/** Open-ticket counts per requester email (lower-cased) at each mark, for requesters with any. */
export interface OpenCountTimeline {
  marks: TimelineMark[];
  openCounts: Record<string, number[]>;
}

/** What the simulator knows of one webhook delivery, without its body. */
export interface DeliverySummary {
  eventId: string | null;
  eventType: string;
  ticketId: number;
  copy: number;
  outcome: DeliveryRecord['outcome'];
  attempts: DeliveryRecord['attempts'][number]['status'][];
}

/**
 * Controls a fault suite drives the simulator with: requesters of its own (with or without email), batches of
 * creations/solves/reopens, named marks on the truth's timeline, and a clock moved forward so the incremental
 * export (which never shows the last minute) covers what just happened.
 */
export class FaultControls {
  private readonly marks: { label: string; at: number }[] = [];
  private clockOffsetMs = 0;
  private clockInstalled = false;

  constructor(private readonly world: World) {}

  addRequester(input: { name?: string; email: string | null }): { id: number; email: string | null } {
    return this.world.addRequester(input);
  }

  apply(actions: WorkloadAction[]): ActionResult[] {
    return actions.map((action) => {
      try {
        const update =
          action.kind === 'create'
            ? this.world.createTicket({ requesterId: action.requesterId })
            : this.world.updateTicket(action.ticketId, {
                status: action.kind === 'solve' ? 'solved' : 'open',
              });
        return { ticketId: update.ticketId, status: update.after.status };
      } catch (error) {
        if (error instanceof WorldError) return { error: error.message };
        throw error;
      }
    });
  }

  /** Moves the world's clock forward by `ms`; returns the total offset. */
  advanceClock(ms: number): number {
    if (!this.clockInstalled) {
      const base = this.world.clock;
      // The world reads its clock on every change and export; replacing it moves both together.
      (this.world as { clock: () => number }).clock = () => base() + this.clockOffsetMs;
      this.clockInstalled = true;
    }
    this.clockOffsetMs += ms;
    return this.clockOffsetMs;
  }

  mark(label: string): TimelineMark {
    const mark = { label, at: this.world.clock() };
    this.marks.push(mark);
    return { label, at: new Date(mark.at).toISOString() };
  }

  /** Each requester's open-ticket count at every mark so far. */
  timeline(): OpenCountTimeline {
    const openCounts: Record<string, number[]> = {};
    const emails = new Map<number, string | null>();
    const emailOf = (requesterId: number) => {
      if (!emails.has(requesterId))
        emails.set(
          requesterId,
          this.world.directory.usersById.get(requesterId)?.email?.toLowerCase() ?? null,
        );
      return emails.get(requesterId)!;
    };
    this.marks.forEach((mark, index) => {
      for (const id of this.world.ids()) {
        const state = this.world.state(id, mark.at);
        if (!state || !isOpen(state)) continue;
        const email = emailOf(state.seed.requesterId);
        if (!email) continue;
        const counts = (openCounts[email] ??= new Array<number>(this.marks.length).fill(0));
        counts[index]!++;
      }
    });
    return {
      marks: this.marks.map((m) => ({ label: m.label, at: new Date(m.at).toISOString() })),
      openCounts,
    };
  }
}

export function deliverySummaries(records: readonly DeliveryRecord[]): DeliverySummary[] {
  return records.map((r) => ({
    eventId: r.eventId,
    eventType: r.eventType,
    ticketId: r.ticketId,
    copy: r.copy,
    outcome: r.outcome,
    attempts: r.attempts.map((a) => a.status),
  }));
}
