import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  IsoTimestamp,
  KnownTicketStatus,
  TicketEvent,
  TicketPriority,
  TicketStatus,
  TicketType,
  ZendeskId,
  statusCategoryOf,
  type CustomFieldValue,
  type StatusCategory,
  type StatusChange,
  type TicketSnapshot,
} from '@ticketflow/contracts';
import type { IncrementalTicketEventsPage, TicketChildEvent } from './client';
import type { RestTicket } from './rest-types';
import { EVENT_TYPE_PREFIX, TICKET_WEBHOOK_EVENT_TYPES } from './webhook-types';

/** Zendesk sends ids as strings in events and as numbers in REST; accept both, keep decimal strings. */
const Id = z.union([z.string(), z.number().int().nonnegative()]).transform(String).pipe(ZendeskId);
/** Free text typed by people: a stray NUL is dropped rather than losing the event (Postgres refuses it). */
const withoutNul = (text: string) => text.replaceAll('\u0000', '');
const FreeText = z.string().transform(withoutNul);
/** Raw Zendesk status, lower-cased; statuses beyond the documented seven are kept (see statusCategoryOf). */
const Status = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(TicketStatus);
const upperEnum = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values as unknown as [T, ...T[]]));

/** The ticket snapshot of an event; a partial payload may lack any field but the id. */
const Detail = z.object({
  id: Id,
  subject: FreeText.nullable().optional(),
  status: Status.optional(),
  custom_status: Id.nullable().optional(),
  priority: upperEnum(TicketPriority.options).nullable().optional(),
  type: upperEnum(TicketType.options).nullable().optional(),
  requester_id: Id.nullable().optional(),
  assignee_id: Id.nullable().optional(),
  group_id: Id.nullable().optional(),
  organization_id: Id.nullable().optional(),
  tags: z.array(FreeText).nullable().optional(),
  created_at: IsoTimestamp.optional(),
  updated_at: IsoTimestamp.optional(),
});

/** The detail field a change event's `event.current` holds: it fills a partial detail that lacks the field. */
const CHANGED_FIELD: Partial<Record<string, keyof z.input<typeof Detail>>> = {
  'ticket.status_changed': 'status',
  'ticket.custom_status_changed': 'custom_status',
  'ticket.priority_changed': 'priority',
  'ticket.type_changed': 'type',
  'ticket.subject_changed': 'subject',
  'ticket.agent_assignment_changed': 'assignee_id',
  'ticket.group_assignment_changed': 'group_id',
  'ticket.organization_changed': 'organization_id',
  'ticket.requester_changed': 'requester_id',
};

/** The envelope of an event-subscribed webhook, as far as Ticketflow relies on it. */
export const WebhookEnvelope = z.object({
  // Zendesk's are UUIDs or ULIDs; the bound keeps the duplicate cache small.
  id: z.string().min(1).max(128),
  type: z.string().min(1),
  subject: z.string().optional(),
  time: IsoTimestamp,
  detail: z.unknown(),
  event: z
    .object({
      previous: z.unknown().optional(),
      current: z.unknown().optional(),
      target_ticket_id: z.unknown().optional(),
      meta: z
        .object({ sequence: z.object({ id: z.string() }).partial().optional() })
        .partial()
        .optional(),
    })
    .passthrough()
    .optional(),
});

export type CustomStatusCategories = (customStatusId: string) => StatusCategory | undefined;

export interface NormalizeOptions {
  /** Custom status id → its category (event webhooks). */
  categories?: CustomStatusCategories;
  /**
   * The time now (unix ms). Given, a ticket time later than now + `futureToleranceMs` is refused: snapshots are
   * ordered by Zendesk's update time, so one far-future time would outrank every later, real change of the ticket.
   * Absent, times are held to the contract's 1970–9999 only.
   */
  now?: number;
  /** Clock skew allowed between Zendesk and us (default DEFAULT_FUTURE_TOLERANCE_MS). */
  futureToleranceMs?: number;
}
export const DEFAULT_FUTURE_TOLERANCE_MS = 3_600_000;

export type Normalized =
  | { kind: 'events'; events: TicketEvent[] }
  /** `type` cut to a bounded length (it is payload text); `label` from a closed set, for metrics. */
  | { kind: 'ignored'; type: string; label: IgnoredTypeLabel }
  | { kind: 'invalid'; reason: string; code?: 'future-timestamp' };

const issues = (error: z.ZodError) => z.prettifyError(error).replace(/\s*\n\s*/g, '; ');

const knownTicketTypes: ReadonlySet<string> = new Set(TICKET_WEBHOOK_EVENT_TYPES);

/** The event-type domains Zendesk documents for webhooks (`zen:event-type:<domain>.<event>`). */
const EVENT_TYPE_DOMAINS = [
  'ticket',
  'user',
  'organization',
  'article',
  'community_post',
  'agent',
  'omnichannel_config',
] as const;
export type IgnoredTypeLabel =
  `${typeof EVENT_TYPE_PREFIX}${(typeof EVENT_TYPE_DOMAINS)[number]}.*` | 'other';
/** Every label an ignored type is counted under: a closed set, so no payload text becomes a metric label. */
export const IGNORED_TYPE_LABELS: readonly IgnoredTypeLabel[] = [
  ...EVENT_TYPE_DOMAINS.map((domain) => `${EVENT_TYPE_PREFIX}${domain}.*` as const),
  'other',
];
const knownDomains: ReadonlySet<string> = new Set(EVENT_TYPE_DOMAINS);

/** `zen:event-type:user.active_changed` → `zen:event-type:user.*`; anything else (any text, any length) → `other`. */
export function ignoredTypeLabel(type: string): IgnoredTypeLabel {
  if (!type.startsWith(EVENT_TYPE_PREFIX)) return 'other';
  const dot = type.indexOf('.', EVENT_TYPE_PREFIX.length);
  const domain = dot < 0 ? '' : type.slice(EVENT_TYPE_PREFIX.length, dot);
  return knownDomains.has(domain) ? (`${EVENT_TYPE_PREFIX}${domain}.*` as IgnoredTypeLabel) : 'other';
}

/** Characters of an ignored type echoed back in the answer; Zendesk's own are under 80. */
export const SHOWN_TYPE_CHARS = 128;
const shownType = (type: string) =>
  type.length <= SHOWN_TYPE_CHARS ? type : `${type.slice(0, SHOWN_TYPE_CHARS)}… (${type.length} characters)`;

/** The first ticket time later than now + tolerance, as a refusal; null when all are within it. */
function futureTime(times: Record<string, string | undefined>, options: NormalizeOptions): Normalized | null {
  if (options.now === undefined) return null;
  const toleranceMs = options.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS;
  const latest = options.now + toleranceMs;
  for (const [field, value] of Object.entries(times)) {
    if (value === undefined || Date.parse(value) <= latest) continue;
    return {
      kind: 'invalid',
      code: 'future-timestamp',
      reason:
        `${field}: ${value} is more than ${toleranceMs / 1000} s after now (${new Date(options.now).toISOString()}); ` +
        'a ticket time from the future would outrank every later change of the ticket',
    };
  }
  return null;
}

/**
 * An event-subscribed Zendesk webhook → our ticket event. UPPERCASE enums become lowercase, ids stay strings,
 * custom statuses resolve to their category, the Zendesk event id becomes our event id (deduplication key).
 * Types outside ticket.* are `ignored`, never an error: Zendesk adds event types over time.
 */
export function normalizeEventWebhook(body: unknown, options: NormalizeOptions = {}): Normalized {
  const envelope = WebhookEnvelope.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', reason: `envelope: ${issues(envelope.error)}` };
  const { id, type: fullType, time, event } = envelope.data;
  const type = fullType.startsWith(EVENT_TYPE_PREFIX) ? fullType.slice(EVENT_TYPE_PREFIX.length) : fullType;
  if (!knownTicketTypes.has(type))
    return { kind: 'ignored', type: shownType(fullType), label: ignoredTypeLabel(fullType) };
  const detail = Detail.safeParse(withChangedField(envelope.data.detail, CHANGED_FIELD[type], event));
  if (!detail.success) return { kind: 'invalid', reason: `detail: ${issues(detail.error)}` };
  const d = detail.data;
  const future = futureTime(
    { time, 'detail.updated_at': d.updated_at, 'detail.created_at': d.created_at },
    options,
  );
  if (future) return future;
  const ticket = snapshot(d, time, options.categories);
  const base = {
    schemaVersion: 1 as const,
    eventId: id,
    source: 'zendesk-event-webhook' as const,
    occurredAt: time,
    ticketId: d.id,
    sequenceId: event?.meta?.sequence?.id ?? null,
    ticket,
  };
  switch (type) {
    case 'ticket.created':
      return one({ ...base, type: 'ticket.created' });
    case 'ticket.status_changed':
      return one({
        ...base,
        type: 'ticket.status_changed',
        change: {
          previous: statusOf(event?.previous),
          current: statusOf(event?.current) ?? ticket.status ?? null,
        },
      });
    case 'ticket.soft_deleted':
      return one({
        ...base,
        type: 'ticket.soft_deleted',
        ticket: { ...ticket, status: 'deleted', statusCategory: null },
      });
    case 'ticket.permanently_deleted':
      return one({
        ...base,
        type: 'ticket.permanently_deleted',
        ticket: { ...ticket, status: 'deleted', statusCategory: null },
      });
    case 'ticket.undeleted':
      return one({ ...base, type: 'ticket.undeleted' });
    case 'ticket.marked_as_spam':
      return one({ ...base, type: 'ticket.marked_as_spam' });
    case 'ticket.merged': {
      const target = event?.target_ticket_id;
      return one({
        ...base,
        type: 'ticket.merged',
        mergedIntoTicketId: typeof target === 'string' || typeof target === 'number' ? String(target) : null,
      });
    }
    default:
      return one({
        ...base,
        type: 'ticket.updated',
        field: type.replace(/^ticket\./, '').replace(/_changed$/, ''),
      });
  }
}

/** Checked against the topic's contract here, so an event consumers would reject is a 400, not a failed produce. */
function one(event: TicketEvent): Normalized {
  const valid = TicketEvent.safeParse(event);
  return valid.success
    ? { kind: 'events', events: [valid.data] }
    : { kind: 'invalid', reason: `contract: ${issues(valid.error)}` };
}

/** A partial detail without the changed field gets it from the event's `current`; the detail wins otherwise. */
function withChangedField(detail: unknown, field: string | undefined, event?: { current?: unknown }) {
  if (!field || !event || !('current' in event)) return detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail) || field in detail)
    return detail;
  return { ...detail, [field]: event.current };
}

function statusOf(value: unknown): TicketStatus | null {
  const status = Status.safeParse(value);
  return status.success ? status.data : null;
}

/** Fields the detail lacks stay absent (consumers keep what they know); null ones are Zendesk's "none". */
function snapshot(
  d: z.infer<typeof Detail>,
  time: string,
  categories?: CustomStatusCategories,
): TicketSnapshot {
  const fromCustom = d.custom_status && categories ? categories(d.custom_status) : undefined;
  const category = (status: TicketStatus) =>
    status === 'closed' ? 'solved' : (fromCustom ?? statusCategoryOf(status));
  return {
    id: d.id,
    subject: d.subject,
    status: d.status,
    statusCategory: d.status === undefined ? undefined : category(d.status),
    customStatusId: d.custom_status,
    priority: d.priority,
    type: d.type,
    requesterId: d.requester_id,
    assigneeId: d.assignee_id,
    groupId: d.group_id,
    organizationId: d.organization_id,
    tags: d.tags === null ? [] : d.tags,
    createdAt: d.created_at,
    // The change happened at the event's time: the best update time a partial detail allows.
    updatedAt: d.updated_at ?? time,
  };
}

// ---- trigger webhooks ----

/** Display labels placeholders render ({{ticket.status}} → "On-hold"), mapped back to API values. */
const STATUS_LABELS: Record<string, TicketStatus> = {
  new: 'new',
  open: 'open',
  pending: 'pending',
  'on-hold': 'hold',
  hold: 'hold',
  solved: 'solved',
  closed: 'closed',
  deleted: 'deleted',
};
/** A rendered placeholder, trimmed: Zendesk renders a missing value as empty (or "-"), which is null. */
const Placeholder = z
  .string()
  .trim()
  .transform((v) => (v === '' || v === '-' ? null : v));
/** `{{ticket.*_with_timestamp}}` renders minutes without seconds (`2013-12-12T05:35Z`); kept as RFC 3339. */
const PlaceholderTime = z
  .union([z.iso.datetime({ offset: true }), z.iso.datetime({ offset: true, precision: -1 })])
  .transform((v) => new Date(v).toISOString())
  .pipe(IsoTimestamp);

/** The body we recommend for trigger webhooks (README): every placeholder is a string. */
export const TriggerBody = z.object({
  ticket_id: z.string().trim().pipe(ZendeskId),
  // A label beyond the documented ones (a custom or new status) is kept lower-cased, as event webhooks do.
  status: Placeholder.transform((v) =>
    v === null ? undefined : (STATUS_LABELS[v.toLowerCase()] ?? v.toLowerCase()),
  ).pipe(TicketStatus.optional()),
  requester_email: Placeholder.pipe(z.email({ pattern: z.regexes.unicodeEmail }).nullable()),
  requester_id: Placeholder.pipe(ZendeskId.nullable()).optional(),
  updated_at: PlaceholderTime,
  created_at: PlaceholderTime,
  subject: Placeholder.transform((v) => (v === null ? null : withoutNul(v))).optional(),
  // A label we cannot read (a translation) is left out rather than erasing the priority.
  priority: Placeholder.transform((v) =>
    v === null ? null : TicketPriority.safeParse(v.toLowerCase()).data,
  ).optional(),
  assignee_id: Placeholder.pipe(ZendeskId.nullable()).optional(),
  // `{{ticket.ticket_field_<id>}}` by field id: a drop-down renders its tag, as the REST API gives it. An entry
  // that is not one (a typo in the trigger's body) is left out: it must not cost the body's status and email.
  custom_fields: z
    .record(z.string(), z.unknown())
    .optional()
    .catch(undefined)
    .transform((fields) => {
      if (!fields) return undefined;
      const kept: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(fields)) {
        const id = ZendeskId.safeParse(key.trim());
        const text = Placeholder.safeParse(value);
        if (id.success && text.success) kept[id.data] = text.data === null ? null : withoutNul(text.data);
      }
      return kept;
    }),
});

export const RECOMMENDED_TRIGGER_BODY = {
  ticket_id: '{{ticket.id}}',
  status: '{{ticket.status}}',
  priority: '{{ticket.priority}}',
  requester_id: '{{ticket.requester.id}}',
  requester_email: '{{ticket.requester.email}}',
  assignee_id: '{{ticket.assignee.id}}',
  created_at: '{{ticket.created_at_with_timestamp}}',
  updated_at: '{{ticket.updated_at_with_timestamp}}',
};

/**
 * A trigger webhook → a `ticket.updated` snapshot. Trigger bodies carry no event id: ours is derived from the
 * ticket id, its update time and a digest of the body, so Zendesk's retries of one firing (same body) deduplicate
 * while two changes within the same second ({{ticket.updated_at_with_timestamp}} has whole seconds) do not.
 */
export function normalizeTriggerWebhook(body: unknown, options: NormalizeOptions = {}): Normalized {
  const parsed = TriggerBody.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', reason: `trigger body: ${issues(parsed.error)}` };
  const b = parsed.data;
  const future = futureTime({ updated_at: b.updated_at, created_at: b.created_at }, options);
  if (future) return future;
  return one({
    schemaVersion: 1,
    type: 'ticket.updated',
    field: 'trigger',
    eventId: `trigger:${b.ticket_id}:${Date.parse(b.updated_at)}:${digest(b)}`,
    source: 'zendesk-trigger-webhook',
    occurredAt: b.updated_at,
    ticketId: b.ticket_id,
    sequenceId: null,
    // Only what the body carries: a trigger must not erase custom status, group or tags it does not render.
    ticket: {
      id: b.ticket_id,
      subject: b.subject,
      status: b.status,
      statusCategory: b.status === undefined ? undefined : statusCategoryOf(b.status),
      priority: b.priority,
      requesterId: b.requester_id,
      requesterEmail: b.requester_email,
      assigneeId: b.assignee_id,
      customFields: b.custom_fields,
      createdAt: b.created_at,
      updatedAt: b.updated_at,
    },
  });
}

/** Short digest of a parsed body, independent of key order and whitespace. */
function digest(body: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(body)
      .sort()
      .map((key) => [key, body[key]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

// ---- REST (reconciliation) ----

/** A status as Zendesk's REST API documents it, exactly; null for anything else. */
const knownStatusOf = (value: unknown): TicketStatus | null =>
  KnownTicketStatus.safeParse(value).data ?? null;

/** The status change a child event of an audit (incremental ticket events) records; null for any other child. */
export function auditStatusChange(
  audit: IncrementalTicketEventsPage['ticket_events'][number],
  child: TicketChildEvent,
): StatusChange | null {
  const to = knownStatusOf(child.value);
  if (child.field_name !== 'status' || !to) return null;
  return {
    sequenceId: String(audit.id),
    at: new Date(audit.created_at).toISOString(),
    from: knownStatusOf(child.previous_value),
    to,
  };
}

/**
 * A ticket of the incremental export as a corrective `ticket.reconciled` event. Its snapshot is not the webhook
 * one (`snapshot` above): a REST ticket has every field, numeric ids and no requester email (null: none carried).
 */
export function reconciledEvent(
  ticket: RestTicket,
  statusChanges: StatusChange[],
  passId: string,
): TicketEvent {
  const id = String(ticket.id);
  return {
    schemaVersion: 1,
    type: 'ticket.reconciled',
    eventId: `reconcile:${passId}:${id}`,
    source: 'reconciliation',
    occurredAt: new Date(ticket.updated_at).toISOString(),
    ticketId: id,
    sequenceId: null,
    statusChanges,
    ticket: {
      id,
      subject: ticket.subject,
      status: ticket.status,
      statusCategory: statusCategoryOf(ticket.status),
      customStatusId: ticket.custom_status_id === null ? null : String(ticket.custom_status_id),
      priority: ticket.priority,
      type: ticket.type,
      requesterId: ticket.requester_id === null ? null : String(ticket.requester_id),
      requesterEmail: null,
      assigneeId: ticket.assignee_id === null ? null : String(ticket.assignee_id),
      groupId: ticket.group_id === null ? null : String(ticket.group_id),
      organizationId: ticket.organization_id === null ? null : String(ticket.organization_id),
      tags: ticket.tags,
      customFields: restCustomFields(ticket.custom_fields ?? []),
      createdAt: new Date(ticket.created_at).toISOString(),
      updatedAt: new Date(ticket.updated_at).toISOString(),
    },
  };
}

/** A REST ticket's custom fields by id; NULs stripped (Postgres text refuses them), a value of no known shape left out. */
function restCustomFields(
  fields: NonNullable<RestTicket['custom_fields']>,
): Record<string, CustomFieldValue> {
  const kept: Record<string, CustomFieldValue> = {};
  for (const { id, value } of fields) {
    if (typeof value === 'string') kept[String(id)] = withoutNul(value);
    else if (Array.isArray(value))
      kept[String(id)] = value.filter((v) => typeof v === 'string').map(withoutNul);
    else if (value === null || typeof value === 'number' || typeof value === 'boolean')
      kept[String(id)] = value;
  }
  return kept;
}

/**
 * A ticket Zendesk lists neither among live nor among deleted tickets, as the `ticket.permanently_deleted` a
 * dropped webhook would have carried.
 */
export function purgedEvent(ticketId: string, passId: string, at: string): TicketEvent {
  return {
    schemaVersion: 1,
    type: 'ticket.permanently_deleted',
    eventId: `reconcile:${passId}:${ticketId}:purged`,
    source: 'reconciliation',
    occurredAt: at,
    ticketId,
    sequenceId: null,
    ticket: { id: ticketId, status: 'deleted', statusCategory: null, updatedAt: at },
  };
}
