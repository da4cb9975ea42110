import { UNSOLVED_STATUSES, type StatsSolveFact } from '@ticketflow/contracts';
import { zendeskIdOf } from './ids';

/**
 * A child event of an audit in either form Zendesk writes: the audits API's (`field_name: 'status'`, `value`) or
 * the incremental export's, keyed by the field (`status: 'solved'`), both with `previous_value`.
 */
export interface RawChildEvent {
  event_type?: string;
  field_name?: string;
  value?: unknown;
  previous_value?: unknown;
  [field: string]: unknown;
}

/** One item of `GET /api/v2/incremental/ticket_events` (an audit); only what the statistics read. */
export interface RawTicketEvent {
  id: unknown;
  ticket_id: unknown;
  timestamp?: unknown;
  created_at?: unknown;
  updater_id?: unknown;
  child_events?: RawChildEvent[] | null;
}

export interface StatusChange {
  to: string;
  /** null: no previous value (the ticket's creation). */
  from: string | null;
}

/** Definition v1 §2 item 2: a move to solved from new, open, pending, hold, or from nothing (creation). */
export const isSolve = (change: StatusChange) =>
  change.to === 'solved' && (change.from === null || UNSOLVED_STATUSES.has(change.from));

/** The status change a child event carries, in either form; null for comments, tags, other fields and types. */
export function statusChangeOf(child: RawChildEvent): StatusChange | null {
  if (child.event_type !== 'Change' && child.event_type !== 'Create') return null;
  const to =
    child.field_name !== undefined
      ? child.field_name === 'status'
        ? child.value
        : undefined
      : child['status'];
  if (typeof to !== 'string') return null;
  const previous = child.previous_value;
  // A non-string previous value is no status we know, so it can never make the change a solve.
  return { to, from: previous === undefined || previous === null ? null : String(previous) };
}

/** The solve fact of one export item, or null when the audit solves nothing. Throws on an item without ids or time. */
export function solveFactOf(item: RawTicketEvent): StatsSolveFact | null {
  const solve = (item.child_events ?? [])
    .map(statusChangeOf)
    .find((change): change is StatusChange => change !== null && isSolve(change));
  if (!solve) return null;
  return {
    auditId: zendeskIdOf(item.id, 'audit id'),
    ticketId: zendeskIdOf(item.ticket_id, 'ticket_id'),
    at: timestampOf(item),
    updaterId: updaterIdOf(item.updater_id),
    from: solve.from,
  };
}

export const solveFactsOf = (items: readonly RawTicketEvent[]): StatsSolveFact[] =>
  items.map(solveFactOf).filter((fact): fact is StatsSolveFact => fact !== null);

/** Identity of a solve: the same audit on two pages (a boundary second) is one solve. */
export const solveKey = (solve: Pick<StatsSolveFact, 'ticketId' | 'auditId'>) =>
  `${solve.ticketId}:${solve.auditId}`;

/** Adds a solve to a set keyed by `solveKey`: a copy already there is merged by `preferredSolve`. */
export function addSolve(solves: Map<string, StatsSolveFact>, solve: StatsSolveFact): void {
  const key = solveKey(solve);
  const known = solves.get(key);
  solves.set(key, known ? preferredSolve(known, solve) : solve);
}

/** Solves in a stable order (by identity), for events and diffs that must not depend on delivery order. */
export const bySolveKey = (a: StatsSolveFact, b: StatsSolveFact) => (solveKey(a) < solveKey(b) ? -1 : 1);

/** An audit is immutable; should two copies ever differ, the one kept must not depend on delivery order. */
export function preferredSolve(a: StatsSolveFact, b: StatsSolveFact): StatsSolveFact {
  const rank = (s: StatsSolveFact) => JSON.stringify([s.at, s.updaterId, s.from]);
  return rank(b) < rank(a) ? b : a;
}

function timestampOf(item: RawTicketEvent): number {
  if (typeof item.timestamp === 'number' && Number.isFinite(item.timestamp))
    return Math.floor(item.timestamp);
  const at = typeof item.created_at === 'string' ? Date.parse(item.created_at) : NaN;
  if (Number.isNaN(at)) throw new Error(`audit ${String(item.id)}: no timestamp`);
  return Math.floor(at / 1000);
}

/** -1 is Zendesk's system user; an audit without an updater is the system's too. */
function updaterIdOf(value: unknown): string {
  if (value === undefined || value === null || value === -1 || value === '-1') return '-1';
  return zendeskIdOf(value, 'updater_id');
}
