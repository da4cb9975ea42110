import {
  OPEN_STATUS_CATEGORIES,
  statusCategoryOf,
  type TicketEvent,
  type TicketStatus,
  type StatusCategory,
} from '@ticketflow/contracts';

/** A ticket as the read model keeps it. Times are ISO strings. */
export interface TicketRow {
  ticketId: string;
  requesterId: string | null;
  subject: string | null;
  status: TicketStatus;
  statusCategory: StatusCategory | null;
  customStatusId: string | null;
  priority: string | null;
  assigneeId: string | null;
  /** The Zendesk group handling it (its "sector"); names come from the groups table at read time. */
  groupId: string | null;
  type: string | null;
  tags: string[] | null;
  /** Custom field values by Zendesk field id, every field a source carried (the API shows the configured ones). */
  customFields: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  solvedAt: string | null;
  open: boolean;
  deleted: 'soft' | 'permanent' | null;
  /** Ordering key of the snapshot the row holds: see `orderOf`. */
  orderKey: string;
  lastEventId: string;
}

/** One status transition of a ticket; (ticketId, sequenceId, to) identifies it whatever its source. */
export interface TransitionRow {
  ticketId: string;
  sequenceId: string;
  from: TicketStatus | null;
  to: TicketStatus;
  at: string;
  sourceEventId: string;
  /** From Zendesk's audit log (reconciliation): its `from` replaces one inferred from webhooks. */
  authoritative: boolean;
}

/** A requester's email as a source saw it at `asOf` (Zendesk's time of the update, or of the read). */
export interface RequesterEmail {
  requesterId: string;
  email: string;
  asOf: string;
}

export interface Projected {
  /** The row to store; null when the event is older than what the row holds (only its transitions count). */
  row: TicketRow | null;
  transitions: TransitionRow[];
  /** Requester id → email, when the event carried it (trigger webhooks). */
  requester: RequesterEmail | null;
}

const SOURCE_RANK: Record<TicketEvent['source'], number> = {
  'zendesk-event-webhook': 0,
  'zendesk-trigger-webhook': 0,
  // For the same Zendesk update second, what the export read after the settle lag is final.
  reconciliation: 1,
};

/**
 * Snapshots are ordered by Zendesk's updated_at (whole seconds), then by source (reconciliation last), then by
 * the event time (milliseconds in webhook envelopes). A lexically comparable string.
 */
export function orderOf(event: TicketEvent): string {
  const seconds = Math.floor(Date.parse(event.ticket.updatedAt) / 1000);
  const occurred = Date.parse(event.occurredAt);
  return `${String(seconds).padStart(12, '0')}.${SOURCE_RANK[event.source]}.${String(occurred).padStart(15, '0')}`;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Whether a snapshot's Zendesk time names the update a webhook row (source rank 0) holds: the same second, or the
 * same minute when the time has minutes only (`{{ticket.updated_at_with_timestamp}}` renders `…T05:35Z`).
 */
function sameWebhookUpdate(orderKey: string, updatedAt: string): boolean {
  const [rowSeconds, rank] = orderKey.split('.');
  if (rank !== String(SOURCE_RANK['zendesk-event-webhook'])) return false;
  const row = Number(rowSeconds);
  const seconds = Math.floor(Date.parse(updatedAt) / 1000);
  return seconds % 60 === 0 ? Math.floor(row / 60) === seconds / 60 : row === seconds;
}

/**
 * Evolves a ticket's read model by one event (pure). Idempotent and order-insensitive: an event older than the
 * row's snapshot changes nothing but may add the transition it carries; applying an event twice gives the same
 * result, so duplicates and replays cannot corrupt state.
 * A partial snapshot (a field absent: the source did not carry it) changes only the fields it carries; one without
 * a status does not move the row's order, so a status is only ever replaced by a newer status. A partial event of
 * a ticket not yet known is kept for its transitions; the full ticket comes with its creation or reconciliation.
 */
export function projectTicketEvent(current: TicketRow | null, event: TicketEvent): Projected {
  const order = orderOf(event);
  // A purge is final whatever its time says: Zendesk cannot bring a permanently deleted ticket back.
  const newer = current === null || order >= current.orderKey || event.type === 'ticket.permanently_deleted';
  const snapshot = event.ticket;
  const requester =
    snapshot.requesterEmail && snapshot.requesterId
      ? {
          requesterId: snapshot.requesterId,
          email: normaliseEmail(snapshot.requesterEmail),
          asOf: snapshot.updatedAt,
        }
      : null;
  const transitions = transitionsOf(current, event, newer);

  if (!newer) {
    // The trigger of one Zendesk update is ordered before its event webhook (its time has whole seconds, or whole
    // minutes, against milliseconds), yet only the trigger carries custom fields: they still count for the update
    // a webhook row holds. Never over a reconciled row: the export's values are final for their second.
    const sameUpdate =
      current !== null &&
      snapshot.customFields !== undefined &&
      current.deleted !== 'permanent' &&
      sameWebhookUpdate(current.orderKey, snapshot.updatedAt);
    const row = sameUpdate
      ? { ...current, customFields: { ...current.customFields, ...snapshot.customFields } }
      : null;
    return { row, transitions, requester };
  }
  if (current?.deleted === 'permanent') return { row: null, transitions: [], requester };
  const carriesStatus = snapshot.status !== undefined || event.type === 'ticket.permanently_deleted';
  if (!current && !carriesStatus) return { row: null, transitions, requester };

  let deleted: TicketRow['deleted'] = snapshot.status === 'deleted' ? 'soft' : null;
  if (event.type === 'ticket.permanently_deleted') deleted = 'permanent';
  if (!carriesStatus) deleted = current!.deleted;
  const reported = snapshot.status ?? current!.status;
  const status: TicketStatus = deleted ? 'deleted' : reported;
  const statusCategory = deleted
    ? null
    : snapshot.status === undefined
      ? current!.statusCategory
      : (snapshot.statusCategory ?? statusCategoryOf(reported));
  const solvedNow = statusCategory === 'solved' && current?.statusCategory !== 'solved';
  const carried = <T>(value: T | undefined, kept: T) => (value === undefined ? kept : value);
  return {
    row: {
      ticketId: event.ticketId,
      requesterId: snapshot.requesterId ?? current?.requesterId ?? null,
      // A purged ticket keeps no content here either.
      subject: deleted === 'permanent' ? null : (snapshot.subject ?? current?.subject ?? null),
      status,
      statusCategory,
      customStatusId: carried(snapshot.customStatusId, current?.customStatusId ?? null),
      priority: carried(snapshot.priority, current?.priority ?? null),
      assigneeId: carried(snapshot.assigneeId, current?.assigneeId ?? null),
      groupId: carried(snapshot.groupId, current?.groupId ?? null),
      type: carried(snapshot.type, current?.type ?? null),
      tags: deleted === 'permanent' ? null : carried(snapshot.tags, current?.tags ?? null),
      // A source carries some fields (a trigger renders the ones its admin chose): merged, never erasing others.
      customFields:
        deleted === 'permanent'
          ? null
          : snapshot.customFields === undefined
            ? (current?.customFields ?? null)
            : { ...current?.customFields, ...snapshot.customFields },
      createdAt: snapshot.createdAt ?? current?.createdAt ?? snapshot.updatedAt,
      updatedAt:
        carriesStatus || !current ? snapshot.updatedAt : maxIso(current.updatedAt, snapshot.updatedAt),
      solvedAt:
        statusCategory === 'solved'
          ? solvedNow
            ? event.occurredAt
            : (current?.solvedAt ?? event.occurredAt)
          : null,
      open: deleted === null && statusCategory !== null && OPEN_STATUS_CATEGORIES.has(statusCategory),
      deleted,
      // A late purge keeps the row's order, so the store's newer-only update still takes it.
      orderKey: !carriesStatus || (current && current.orderKey > order) ? current!.orderKey : order,
      lastEventId: event.eventId,
    },
    transitions,
    requester,
  };
}

const maxIso = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

function transitionsOf(current: TicketRow | null, event: TicketEvent, newer: boolean): TransitionRow[] {
  const base = {
    ticketId: event.ticketId,
    at: event.occurredAt,
    sourceEventId: event.eventId,
    authoritative: false,
  };
  const sequenceId = event.sequenceId ?? event.eventId;
  // The status before this event, when the row is known to hold the state just before it.
  const before = newer && current && !current.deleted ? current.status : null;
  switch (event.type) {
    case 'ticket.created':
      return event.ticket.status ? [{ ...base, sequenceId, from: null, to: event.ticket.status }] : [];
    case 'ticket.status_changed':
      if (!event.change.current) return [];
      return [{ ...base, sequenceId, from: event.change.previous, to: event.change.current }];
    case 'ticket.soft_deleted':
    case 'ticket.marked_as_spam':
      return [{ ...base, sequenceId, from: before, to: 'deleted' }];
    case 'ticket.undeleted':
      return event.ticket.status ? [{ ...base, sequenceId, from: 'deleted', to: event.ticket.status }] : [];
    case 'ticket.merged':
      return before === 'closed' ? [] : [{ ...base, sequenceId, from: before, to: 'closed' }];
    case 'ticket.reconciled':
      return event.statusChanges.map((change) => ({
        ...base,
        sequenceId: change.sequenceId,
        from: change.from,
        to: change.to,
        at: change.at,
        authoritative: true,
      }));
    default:
      return [];
  }
}

/**
 * Orders a ticket's transitions oldest first. Zendesk's audit log has whole seconds, so several changes within
 * one second tie: within a tie, follow the chain (each change starts where the previous one ended).
 */
export function orderTransitions<T extends { at: string; from: string | null; to: string }>(rows: T[]): T[] {
  const sorted = [...rows].sort((a, b) => a.at.localeCompare(b.at));
  const out: T[] = [];
  let i = 0;
  while (i < sorted.length) {
    const second = Math.floor(Date.parse(sorted[i]!.at) / 1000);
    let j = i;
    while (j < sorted.length && Math.floor(Date.parse(sorted[j]!.at) / 1000) === second) j++;
    const tie = sorted.slice(i, j);
    while (tie.length) {
      const status = out.at(-1)?.to ?? null;
      const next = tie.findIndex((t) => t.from === status);
      out.push(tie.splice(next === -1 ? 0 : next, 1)[0]!);
    }
    i = j;
  }
  return out;
}
