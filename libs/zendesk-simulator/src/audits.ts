import { createHash } from 'node:crypto';
import type { StatusTransition, TicketChange } from './model';
import { timeBasedPage } from './time-based-page';
import type { World } from './world';

/** Zendesk audit ids are integers; the simulator derives one per action (sequence) so webhooks and exports agree. */
export function auditIdOf(sequenceId: string): number {
  return parseInt(createHash('sha1').update(sequenceId).digest('hex').slice(0, 12), 16);
}

/** The user who made an action (its audit's `updater_id`); -1, Zendesk's system user, when none is recorded. */
export function updaterOf(changes: readonly TicketChange[], sequenceId: string): number {
  return changes.find((c) => c.sequenceId === sequenceId)?.actorId ?? -1;
}

/** A child event in the audits API's form (`field_name`, `value`) or the export's, keyed by the field. */
export type ChildEvent = {
  id: number;
  via: string;
  event_type: 'Create' | 'Change';
  previous_value: string | null;
} & (
  | { field_name: 'status' | 'assignee_id'; value: string | null }
  | { status: string }
  | { assignee_id: string | null }
);

export interface TicketEventExportItem {
  id: number;
  ticket_id: number;
  timestamp: number;
  created_at: string;
  updater_id: number;
  via: string;
  event_type: 'Audit';
  child_events: ChildEvent[];
}

/** How the export writes its audits (S3): Zendesk clients meet both child-event forms. */
export interface AuditExportForm {
  /** `field-name`: `{field_name: 'status', value: 'solved'}`; `field-keyed`: `{status: 'solved'}`. */
  childEvents: 'field-name' | 'field-keyed';
  /** Assignee changes too: a child event on the audit that made one, and audits that change only the assignee. */
  assigneeEvents: boolean;
}

export const DEFAULT_AUDIT_EXPORT_FORM: AuditExportForm = {
  childEvents: 'field-name',
  assigneeEvents: false,
};

interface Move<T> {
  from: T | null;
  to: T;
}

/** One audit of the export: a status change, an assignee change (when exported), or both. */
interface LoggedTransition {
  at: number;
  auditId: number;
  ticketId: number;
  status: Move<string> | null;
  assignee: Move<number | null> | null;
  updater: number;
}

/**
 * Every status change of the account in time order, as the incremental ticket events export serves them: one audit
 * per action with its status change as a child event. Built on the first request, then kept current from the
 * world's updates, so a page costs a binary search instead of folding every ticket.
 */
export class AuditLog {
  private entries: LoggedTransition[] | null = null;

  constructor(
    private readonly world: World,
    readonly form: AuditExportForm = DEFAULT_AUDIT_EXPORT_FORM,
  ) {
    world.onUpdate((update) => {
      if (!this.entries) return;
      const ticket = this.world.ticket(update.ticketId)!;
      const known = update.before?.history.length ?? 0;
      const sequences = new Set(update.changes.map((change) => change.sequenceId));
      const fresh = ticket.changes.filter((change) => sequences.has(change.sequenceId));
      for (const entry of auditsOf(
        update.ticketId,
        update.after.history.slice(known),
        ticket.changes,
        this.form.assigneeEvents ? fresh : [],
      ))
        this.insert(entry);
    });
  }

  private all(): LoggedTransition[] {
    if (this.entries) return this.entries;
    const entries: LoggedTransition[] = [];
    for (const id of this.world.ids()) {
      const { changes } = this.world.ticket(id)!;
      const history = this.world.state(id)?.history ?? [];
      entries.push(...auditsOf(id, history, changes, this.form.assigneeEvents ? changes : []));
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
   * One page from `startTime` (unix seconds, inclusive) of changes up to `untilMs`, cut as every time-based export
   * is (`timeBasedPage`). Changes after `visibleUntilMs` are left out while the page still claims `untilMs` (Zendesk
   * making records visible late).
   */
  page(startTime: number, untilMs: number, perPage: number, visibleUntilMs = untilMs) {
    const entries = this.all();
    const from = this.firstAt(startTime * 1000);
    const to = this.firstAt(Math.min(untilMs, visibleUntilMs) + 1);
    const page = timeBasedPage(
      slice(entries, from, to),
      (entry) => seconds(entry.at),
      startTime,
      perPage,
      Math.floor(untilMs / 1000) + 1,
    );
    return { ...page, items: page.items.map((entry) => renderItem(entry, this.form)) };
  }
}

function* slice<T>(items: readonly T[], from: number, to: number): Generator<T> {
  for (let i = from; i < to; i++) yield items[i]!;
}

const logs = new WeakMap<World, AuditLog>();
/** The world's audit log (one per world); the first call fixes its export form. */
export function auditLogOf(world: World, form?: AuditExportForm): AuditLog {
  let log = logs.get(world);
  if (!log) logs.set(world, (log = new AuditLog(world, form)));
  return log;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const compare = (a: LoggedTransition, b: LoggedTransition) => a.at - b.at || a.auditId - b.auditId;

/**
 * A ticket's audits: one per status transition, and, from `assignments` (changes whose assignee moves are
 * exported), the assignee move joined to its action's audit or an audit of its own.
 */
function auditsOf(
  ticketId: number,
  transitions: readonly StatusTransition[],
  changes: readonly TicketChange[],
  assignments: readonly TicketChange[],
): LoggedTransition[] {
  const audits = new Map<string, LoggedTransition>();
  for (const transition of transitions)
    audits.set(transition.sequenceId, {
      at: transition.at,
      auditId: auditIdOf(transition.sequenceId),
      ticketId,
      status: { from: transition.from, to: transition.to },
      assignee: null,
      updater: updaterOf(changes, transition.sequenceId),
    });
  if (assignments.length) {
    const previous = assigneesBefore(changes);
    for (const change of assignments) {
      if (change.kind !== 'assign' || change.assigneeId === undefined) continue;
      const move = { from: previous.get(change)!, to: change.assigneeId };
      const audit = audits.get(change.sequenceId);
      if (audit) audit.assignee = move;
      else
        audits.set(change.sequenceId, {
          at: change.at,
          auditId: auditIdOf(change.sequenceId),
          ticketId,
          status: null,
          assignee: move,
          updater: change.actorId,
        });
    }
  }
  return [...audits.values()];
}

/** The assignee before each assign change of a ticket (its changes in order). */
function assigneesBefore(changes: readonly TicketChange[]): Map<TicketChange, number | null> {
  const before = new Map<TicketChange, number | null>();
  let current: number | null = null;
  for (const change of changes)
    if (change.kind === 'assign' && change.assigneeId !== undefined) {
      before.set(change, current);
      current = change.assigneeId;
    }
  return before;
}

function childEvent(
  id: number,
  eventType: 'Create' | 'Change',
  field: 'status' | 'assignee_id',
  value: string | null,
  previous: string | null,
  form: AuditExportForm,
): ChildEvent {
  const common = { id, via: 'Web form', event_type: eventType, previous_value: previous };
  if (form.childEvents === 'field-name') return { ...common, field_name: field, value };
  return field === 'status' ? { ...common, status: value! } : { ...common, assignee_id: value };
}

function renderItem(entry: LoggedTransition, form: AuditExportForm): TicketEventExportItem {
  const timestamp = seconds(entry.at);
  const children: ChildEvent[] = [];
  const created = entry.status?.from === null;
  if (entry.status)
    children.push(
      childEvent(
        entry.auditId * 10 + 1,
        created ? 'Create' : 'Change',
        'status',
        entry.status.to,
        entry.status.from,
        form,
      ),
    );
  if (entry.assignee) {
    const { from, to } = entry.assignee;
    children.push(
      childEvent(
        entry.auditId * 10 + 2,
        created ? 'Create' : 'Change',
        'assignee_id',
        to === null ? null : String(to),
        from === null ? null : String(from),
        form,
      ),
    );
  }
  return {
    id: entry.auditId,
    ticket_id: entry.ticketId,
    timestamp,
    created_at: new Date(timestamp * 1000).toISOString().replace('.000Z', 'Z'),
    updater_id: entry.updater,
    via: 'Web form',
    event_type: 'Audit',
    child_events: children,
  };
}
