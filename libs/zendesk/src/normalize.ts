import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  statusCategoryOf,
  type StatusCategory,
  type TicketEvent,
  type TicketSnapshot,
  type TicketStatus,
} from '@ticketflow/contracts';
import { EVENT_TYPE_PREFIX, TICKET_WEBHOOK_EVENT_TYPES } from './webhook-types';

/** Zendesk sends ids as strings in events and as numbers in REST; accept both, keep decimal strings. */
const Id = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);
const NullableId = Id.nullable()
  .optional()
  .transform((v) => v ?? null);
const upperEnum = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values as unknown as [T, ...T[]]));

const Detail = z.object({
  id: Id,
  subject: z.string().nullable().optional(),
  status: upperEnum(['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted'] as const),
  custom_status: NullableId,
  priority: upperEnum(['low', 'normal', 'high', 'urgent'] as const)
    .nullable()
    .optional(),
  type: upperEnum(['problem', 'incident', 'question', 'task'] as const)
    .nullable()
    .optional(),
  requester_id: NullableId,
  assignee_id: NullableId,
  group_id: NullableId,
  organization_id: NullableId,
  tags: z.array(z.string()).nullable().optional(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
});

/** The envelope of an event-subscribed webhook, as far as Ticketflow relies on it. */
export const WebhookEnvelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().optional(),
  time: z.iso.datetime({ offset: true }),
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

export type Normalized =
  | { kind: 'events'; events: TicketEvent[] }
  | { kind: 'ignored'; type: string }
  | { kind: 'invalid'; reason: string };

const issues = (error: z.ZodError) => z.prettifyError(error).replace(/\s*\n\s*/g, '; ');

const knownTicketTypes: ReadonlySet<string> = new Set(TICKET_WEBHOOK_EVENT_TYPES);

/**
 * An event-subscribed Zendesk webhook → our ticket event. UPPERCASE enums become lowercase, ids stay strings,
 * custom statuses resolve to their category, the Zendesk event id becomes our event id (deduplication key).
 * Types outside ticket.* are `ignored`, never an error: Zendesk adds event types over time.
 */
export function normalizeEventWebhook(body: unknown, categories?: CustomStatusCategories): Normalized {
  const envelope = WebhookEnvelope.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', reason: `envelope: ${issues(envelope.error)}` };
  const { id, type: fullType, time, event } = envelope.data;
  const type = fullType.startsWith(EVENT_TYPE_PREFIX) ? fullType.slice(EVENT_TYPE_PREFIX.length) : fullType;
  if (!knownTicketTypes.has(type)) return { kind: 'ignored', type: fullType };
  const detail = Detail.safeParse(envelope.data.detail);
  if (!detail.success) return { kind: 'invalid', reason: `detail: ${issues(detail.error)}` };
  const d = detail.data;
  const ticket = snapshot(d, categories);
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
        change: { previous: statusOf(event?.previous), current: statusOf(event?.current) ?? ticket.status },
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

const one = (event: TicketEvent): Normalized => ({ kind: 'events', events: [event] });

function statusOf(value: unknown): TicketStatus | null {
  if (typeof value !== 'string') return null;
  const lower = value.toLowerCase();
  return (
    (['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted'] as const).find((s) => s === lower) ??
    null
  );
}

function snapshot(d: z.infer<typeof Detail>, categories?: CustomStatusCategories): TicketSnapshot {
  const fromCustom = d.custom_status && categories ? categories(d.custom_status) : undefined;
  const category = d.status === 'closed' ? 'solved' : (fromCustom ?? statusCategoryOf(d.status));
  return {
    id: d.id,
    subject: d.subject ?? null,
    status: d.status,
    statusCategory: category,
    customStatusId: d.custom_status,
    priority: d.priority ?? null,
    type: d.type ?? null,
    requesterId: d.requester_id,
    requesterEmail: null,
    assigneeId: d.assignee_id,
    groupId: d.group_id,
    organizationId: d.organization_id,
    tags: d.tags ?? [],
    createdAt: d.created_at,
    updatedAt: d.updated_at,
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
const blankToNull = (v: string | undefined) =>
  v === undefined || v.trim() === '' || v.trim() === '-' ? null : v.trim();

/** The body we recommend for trigger webhooks (README): every placeholder is a string. */
export const TriggerBody = z.object({
  ticket_id: z.string().regex(/^\d+$/, 'ticket_id: {{ticket.id}}'),
  status: z.string().transform((v, ctx) => {
    const status = STATUS_LABELS[v.trim().toLowerCase()];
    if (!status) ctx.addIssue({ code: 'custom', message: `unknown status label "${v}"` });
    return status ?? 'open';
  }),
  requester_email: z.string().trim().pipe(z.email()),
  requester_id: z.string().regex(/^\d*$/).optional(),
  updated_at: z.iso.datetime({ offset: true }),
  created_at: z.iso.datetime({ offset: true }),
  subject: z.string().optional(),
  priority: z.string().optional(),
  assignee_id: z.string().optional(),
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
export function normalizeTriggerWebhook(body: unknown): Normalized {
  const parsed = TriggerBody.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', reason: `trigger body: ${issues(parsed.error)}` };
  const b = parsed.data;
  const priority = blankToNull(b.priority)?.toLowerCase();
  const updatedAt = new Date(b.updated_at).toISOString();
  return one({
    schemaVersion: 1,
    type: 'ticket.updated',
    field: 'trigger',
    eventId: `trigger:${b.ticket_id}:${Date.parse(b.updated_at)}:${digest(b)}`,
    source: 'zendesk-trigger-webhook',
    occurredAt: updatedAt,
    ticketId: b.ticket_id,
    sequenceId: null,
    ticket: {
      id: b.ticket_id,
      subject: blankToNull(b.subject),
      status: b.status,
      statusCategory: statusCategoryOf(b.status),
      customStatusId: null,
      priority:
        priority === 'low' || priority === 'normal' || priority === 'high' || priority === 'urgent'
          ? priority
          : null,
      type: null,
      requesterId: blankToNull(b.requester_id),
      requesterEmail: b.requester_email,
      assigneeId: blankToNull(b.assignee_id),
      groupId: null,
      organizationId: null,
      tags: [],
      createdAt: new Date(b.created_at).toISOString(),
      updatedAt,
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
