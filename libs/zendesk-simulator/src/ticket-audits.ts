import { auditIdOf } from './audits';
import { evolve, initialState } from './lifecycle';
import type { TicketChange, TicketSeed, TicketState } from './model';
import { restTime, ticketVia, type ViaSource } from './rest-shapes';

type FieldValue = string | string[] | null;

export type AuditEvent =
  | {
      id: number;
      type: 'Comment';
      author_id: number;
      body: string;
      html_body: string;
      plain_body: string;
      public: boolean;
      attachments: never[];
      audit_id: number;
    }
  | { id: number; type: 'Create'; field_name: AuditField; value: FieldValue }
  | { id: number; type: 'Change'; field_name: AuditField; value: FieldValue; previous_value: FieldValue };

export type FieldEvent = Exclude<AuditEvent, { type: 'Comment' }>;

/** A ticket audit as the Ticket Audits API shows it: one action on the ticket and what it changed. */
export interface RestAudit {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  via: { channel: string; source: ViaSource };
  metadata: { system: Record<string, string>; custom: Record<string, string> };
  events: AuditEvent[];
}

/**
 * Field events' ids within their audit (audit id × 10 + slot): the status and assignee slots are the ones the
 * ticket-events export gives its child events, so both APIs name one change alike.
 */
const SLOTS = {
  status: 1,
  assignee_id: 2,
  priority: 3,
  custom_status_id: 4,
  tags: 5,
  subject: 6,
  type: 7,
  requester_id: 8,
  group_id: 9,
} as const;
type AuditField = keyof typeof SLOTS;

/** Zendesk's automation that closes solved tickets: the via of the system user's (-1) audits. */
const CLOSE_AUTOMATION: ViaSource = {
  from: { id: 360_000_900_001, title: 'Close ticket 4 days after status is set to solved' },
  to: {},
  rel: 'automation',
};
const NO_SOURCE: ViaSource = { from: {}, to: {}, rel: null };

const str = (value: number | null) => (value === null ? null : String(value));
const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A ticket's audits up to `at`, oldest first: one per action (changes sharing a sequence id), with a Comment event
 * per comment and a Create (first audit) or Change event per field the action set.
 */
export function ticketAudits(seed: TicketSeed, changes: readonly TicketChange[], at = Infinity): RestAudit[] {
  const audits: RestAudit[] = [];
  let state: TicketState | null = null;
  for (let i = 0; i < changes.length && changes[i]!.at <= at;) {
    const action: TicketChange[] = [];
    const sequenceId = changes[i]!.sequenceId;
    while (i < changes.length && changes[i]!.sequenceId === sequenceId && changes[i]!.at <= at)
      action.push(changes[i++]!);
    const after: TicketState = action.reduce(evolve, state ?? initialState(seed));
    audits.push(auditOf(action, state, after));
    state = after;
  }
  return audits;
}

function auditOf(action: readonly TicketChange[], before: TicketState | null, after: TicketState): RestAudit {
  const first = action[0]!;
  const auditId = auditIdOf(first.sequenceId);
  const events: AuditEvent[] = [];
  for (const change of action)
    if (change.comment)
      events.push({
        id: change.comment.id,
        type: 'Comment',
        author_id: change.actorId,
        body: change.comment.body,
        html_body: `<div class="zd-comment" dir="auto"><p>${escapeHtml(change.comment.body)}</p></div>`,
        plain_body: change.comment.body,
        public: change.comment.public,
        attachments: [],
        audit_id: auditId,
      });
  const field = (name: AuditField, value: FieldValue, previous: FieldValue) =>
    events.push(
      before === null
        ? { id: auditId * 10 + SLOTS[name], type: 'Create', field_name: name, value }
        : {
            id: auditId * 10 + SLOTS[name],
            type: 'Change',
            field_name: name,
            value,
            previous_value: previous,
          },
    );
  const { seed } = after;
  if (before === null) {
    field('subject', seed.subject, null);
    field('requester_id', String(seed.requesterId), null);
    field('group_id', String(seed.groupId), null);
    field('type', seed.type, null);
    field('priority', after.priority, null);
  }
  // A status event exactly where the status history (and so the export) has a transition.
  for (const transition of after.history.slice(before?.history.length ?? 0))
    field('status', transition.to, transition.from);
  if (after.customStatusId !== (before?.customStatusId ?? null))
    field('custom_status_id', str(after.customStatusId), str(before?.customStatusId ?? null));
  if (action.some((change) => change.kind === 'assign'))
    field('assignee_id', str(after.assigneeId), str(before?.assigneeId ?? null));
  if (before !== null && after.priority !== before.priority)
    field('priority', after.priority, before.priority);
  const tagsBefore = before?.seed.tags ?? [];
  if (seed.tags.join(' ') !== tagsBefore.join(' ')) field('tags', seed.tags, tagsBefore);
  return {
    id: auditId,
    ticket_id: seed.id,
    created_at: restTime(first.at),
    author_id: first.actorId,
    via:
      before === null
        ? ticketVia(seed)
        : first.actorId === -1
          ? { channel: 'rule', source: CLOSE_AUTOMATION }
          : { channel: 'web', source: NO_SOURCE },
    metadata: { system: {}, custom: {} },
    events,
  };
}
