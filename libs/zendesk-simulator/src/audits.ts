import { createHash } from 'node:crypto';
import type { StatusTransition, TicketChange } from './model';
import type { World } from './world';

/** Zendesk audit ids are integers; the simulator derives one per action (sequence) so webhooks and exports agree. */
export function auditIdOf(sequenceId: string): number {
  return parseInt(createHash('sha1').update(sequenceId).digest('hex').slice(0, 12), 16);
}

/** The user who made an action (its audit's `updater_id`); -1, Zendesk's system user, when none is recorded. */
export function updaterOf(changes: readonly TicketChange[], sequenceId: string): number {
  return changes.find((c) => c.sequenceId === sequenceId)?.actorId ?? -1;
}

export interface TicketEventExportItem {
  id: number;
  ticket_id: number;
  timestamp: number;
  created_at: string;
  updater_id: number;
  via: string;
  event_type: 'Audit';
  child_events: {
    id: number;
    via: string;
    event_type: 'Create' | 'Change';
    field_name: 'status';
    value: string;
    previous_value: string | null;
  }[];
}

interface LoggedTransition {
  at: number;
  auditId: number;
  ticketId: number;
  from: string | null;
  to: string;
  updater: number;
}

/**
 * Every status change of the account in time order, as the incremental ticket events export serves them: one audit
 * per action with its status change as a child event. Built on the first request, then kept current from the
 * world's updates, so a page costs a binary search instead of folding every ticket.
 */
export class AuditLog {
  private entries: LoggedTransition[] | null = null;

  constructor(private readonly world: World) {
    world.onUpdate((update) => {
      if (!this.entries) return;
      const known = update.before?.history.length ?? 0;
      const changes = this.world.ticket(update.ticketId)!.changes;
      for (const transition of update.after.history.slice(known))
        this.insert(entryOf(update.ticketId, transition, changes));
    });
  }

  private all(): LoggedTransition[] {
    if (this.entries) return this.entries;
    const entries: LoggedTransition[] = [];
    for (const id of this.world.ids()) {
      const changes = this.world.ticket(id)!.changes;
      for (const transition of this.world.state(id)?.history ?? [])
        entries.push(entryOf(id, transition, changes));
    }
    entries.sort(compare);
    return (this.entries = entries);
  }

  private insert(entry: LoggedTransition) {
    const entries = this.all();
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(entries[mid]!, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    entries.splice(lo, 0, entry);
  }

  /** Index of the first entry at or after `ms`. */
  private firstAt(ms: number): number {
    const entries = this.all();
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[mid]!.at < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * One page from `startTime` (unix seconds, inclusive) of changes up to `untilMs`: at least `perPage` items
   * unless the stream ends, and never ending inside a second (Zendesk returns every item sharing the last
   * timestamp, past `per_page` if need be). `endTime` is the last item's second, where the next page starts (its
   * items come again: page-boundary duplicates); a page that is one second only ends one second later, or the walk
   * would stall. Changes after `visibleUntilMs` are left out while the page still claims `untilMs` (Zendesk
   * making records visible late).
   */
  page(startTime: number, untilMs: number, perPage: number, visibleUntilMs = untilMs) {
    const entries = this.all();
    const from = this.firstAt(startTime * 1000);
    const to = this.firstAt(Math.min(untilMs, visibleUntilMs) + 1);
    const streamEnd = Math.floor(untilMs / 1000) + 1;
    let cut = Math.min(from + perPage, to);
    if (cut < to) {
      const lastSecond = seconds(entries[cut - 1]!.at);
      while (cut < to && seconds(entries[cut]!.at) === lastSecond) cut++;
    }
    const items = entries.slice(from, cut).map(renderItem);
    if (cut >= to) return { items, endOfStream: true, endTime: streamEnd };
    const last = seconds(entries[cut - 1]!.at);
    return { items, endOfStream: false, endTime: last === startTime ? last + 1 : last };
  }
}

const logs = new WeakMap<World, AuditLog>();
/** The world's audit log (one per world). */
export function auditLogOf(world: World): AuditLog {
  let log = logs.get(world);
  if (!log) logs.set(world, (log = new AuditLog(world)));
  return log;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const compare = (a: LoggedTransition, b: LoggedTransition) => a.at - b.at || a.auditId - b.auditId;

function entryOf(
  ticketId: number,
  transition: StatusTransition,
  changes: readonly TicketChange[],
): LoggedTransition {
  return {
    at: transition.at,
    auditId: auditIdOf(transition.sequenceId),
    ticketId,
    from: transition.from,
    to: transition.to,
    updater: updaterOf(changes, transition.sequenceId),
  };
}

function renderItem(entry: LoggedTransition): TicketEventExportItem {
  const timestamp = seconds(entry.at);
  return {
    id: entry.auditId,
    ticket_id: entry.ticketId,
    timestamp,
    created_at: new Date(timestamp * 1000).toISOString().replace('.000Z', 'Z'),
    updater_id: entry.updater,
    via: 'Web form',
    event_type: 'Audit',
    child_events: [
      {
        id: entry.auditId * 10 + 1,
        via: 'Web form',
        event_type: entry.from === null ? 'Create' : 'Change',
        field_name: 'status',
        value: entry.to,
        previous_value: entry.from,
      },
    ],
  };
}
