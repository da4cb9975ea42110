import { createHash } from 'node:crypto';
import type { TicketChange } from './model';
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

/**
 * Status changes as the incremental ticket events export shows them: one audit per action, its status change as a
 * child event, ordered by time, for changes in [fromMs, untilMs].
 */
export function statusAudits(world: World, fromMs: number, untilMs: number): TicketEventExportItem[] {
  const items: (TicketEventExportItem & { at: number })[] = [];
  for (const id of world.ids()) {
    const ticket = world.ticket(id)!;
    const last = ticket.changes[ticket.changes.length - 1]!;
    if (last.at < fromMs) continue;
    const state = world.state(id, untilMs);
    if (!state) continue;
    for (const transition of state.history) {
      if (transition.at < fromMs) continue;
      const auditId = auditIdOf(transition.sequenceId);
      const actor = updaterOf(ticket.changes, transition.sequenceId);
      items.push({
        at: transition.at,
        id: auditId,
        ticket_id: id,
        timestamp: Math.floor(transition.at / 1000),
        created_at: new Date(Math.floor(transition.at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        updater_id: actor,
        via: 'Web form',
        event_type: 'Audit',
        child_events: [
          {
            id: auditId * 10 + 1,
            via: 'Web form',
            event_type: transition.from === null ? 'Create' : 'Change',
            field_name: 'status',
            value: transition.to,
            previous_value: transition.from,
          },
        ],
      });
    }
  }
  items.sort((a, b) => a.at - b.at || a.id - b.id);
  return items.map(({ at: _at, ...item }) => item);
}
