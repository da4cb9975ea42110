import { randomUUID } from 'node:crypto';
import { EVENT_TYPE_PREFIX, type TicketWebhookEnvelope, type WebhookTicketDetail } from '@ticketflow/zendesk';
import { auditIdOf } from './audits';
import { BRAND_ID } from './directory';
import { tagsOf, type TicketChange, type TicketState } from './model';
import { customFieldsOf } from './rest-shapes';
import type { TicketUpdate, World } from './world';

export const SIMULATOR_ACCOUNT_ID = 12_514_403;

const upper = <T extends string | null>(value: T) =>
  (value === null ? null : value.toUpperCase()) as Uppercase<NonNullable<T>> | null;
const str = (value: number | null | undefined) =>
  value === null || value === undefined ? null : String(value);

/** The `detail` snapshot of event webhooks: string ids, UPPERCASE enums. */
export function webhookDetail(state: TicketState, actorId: number): WebhookTicketDetail {
  const { seed } = state;
  return {
    actor_id: String(actorId),
    assignee_id: str(state.assigneeId),
    brand_id: String(BRAND_ID),
    created_at: new Date(state.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    custom_status: str(state.customStatusId),
    description: seed.description,
    external_id: null,
    form_id: null,
    group_id: str(seed.groupId),
    id: String(seed.id),
    is_public: true,
    organization_id: str(seed.organizationId),
    priority: upper(state.priority),
    requester_id: String(seed.requesterId),
    status: upper(state.status)!,
    subject: seed.subject,
    submitter_id: String(seed.requesterId),
    tags: tagsOf(state),
    type: upper(seed.type),
    updated_at: new Date(state.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    via: { channel: seed.channel },
  };
}

/** Zendesk event types and `event` bodies one change produces. */
function eventsOf(
  change: TicketChange,
  before: TicketState | null,
  world: World,
): [string, Record<string, unknown>][] {
  switch (change.kind) {
    case 'created':
      return [['ticket.created', {}]];
    case 'status': {
      const out: [string, Record<string, unknown>][] = [];
      if (before?.status !== change.status)
        out.push([
          'ticket.status_changed',
          { previous: upper(before?.status ?? null), current: upper(change.status!) },
        ]);
      if (before?.customStatusId !== change.customStatusId) {
        out.push([
          'ticket.custom_status_changed',
          { previous: str(before?.customStatusId), current: str(change.customStatusId) },
        ]);
      }
      return out;
    }
    case 'assign':
      return [
        [
          'ticket.agent_assignment_changed',
          { previous: str(before?.assigneeId), current: str(change.assigneeId) },
        ],
      ];
    case 'priority':
      return [
        [
          'ticket.priority_changed',
          { previous: upper(before?.priority ?? null), current: upper(change.priority!) },
        ],
      ];
    case 'comment': {
      const author = world.directory.usersById.get(change.actorId);
      return [
        [
          'ticket.comment_added',
          {
            comment: {
              id: String(change.comment!.id),
              body: change.comment!.body,
              html_body: `<p>${change.comment!.body}</p>`,
              is_public: change.comment!.public,
              author: {
                id: String(change.actorId),
                is_staff: author?.role !== 'end-user',
                name: author?.name ?? 'Unknown',
              },
            },
          },
        ],
      ];
    }
    case 'soft_delete':
      return [['ticket.soft_deleted', {}]];
    case 'undelete':
      return [['ticket.undeleted', {}]];
    case 'permanent_delete':
      return [['ticket.permanently_deleted', {}]];
    case 'merge':
      return [['ticket.merged', { target_ticket_id: str(change.mergedInto) }]];
    case 'spam':
      return [['ticket.marked_as_spam', {}]];
  }
}

/** Event-subscribed webhook bodies for one action: one per event, sharing the action's sequence id. */
export function eventWebhooks(update: TicketUpdate, world: World): TicketWebhookEnvelope[] {
  const events: { type: string; event: Record<string, unknown>; at: number; actor: number }[] = [];
  for (const change of update.changes) {
    // `previous` values are the ticket's before the whole action.
    for (const [type, event] of eventsOf(change, update.before, world))
      events.push({ type, event, at: change.at, actor: change.actorId });
  }
  return events.map(({ type, event, at, actor }, position) => ({
    account_id: SIMULATOR_ACCOUNT_ID,
    detail: webhookDetail(update.after, actor),
    event: {
      ...event,
      meta: {
        sequence: { id: String(auditIdOf(update.sequenceId)), position: position + 1, total: events.length },
      },
    },
    id: randomUUID(),
    subject: `zen:ticket:${update.ticketId}`,
    time: new Date(at).toISOString(),
    type: `${EVENT_TYPE_PREFIX}${type}`,
    zendesk_event_version: '2022-11-06',
  }));
}

const LABELS: Record<string, string> = {
  new: 'New',
  open: 'Open',
  pending: 'Pending',
  hold: 'On-hold',
  solved: 'Solved',
  closed: 'Closed',
  deleted: 'Deleted',
};
const cap = (s: string | null) => (s ? s[0]!.toUpperCase() + s.slice(1) : '');

/**
 * Renders a trigger's body template as Zendesk does: every placeholder becomes raw text (no JSON escaping,
 * display labels for status and priority); unknown placeholders render empty.
 */
export function renderTriggerTemplate(template: string, state: TicketState, world: World): string {
  const requester = world.directory.usersById.get(state.seed.requesterId);
  const assignee = state.assigneeId === null ? undefined : world.directory.usersById.get(state.assigneeId);
  const seconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const values: Record<string, string> = {
    'ticket.id': String(state.seed.id),
    'ticket.title': state.seed.subject,
    'ticket.description': state.seed.description,
    'ticket.status': LABELS[state.status] ?? state.status,
    'ticket.priority': cap(state.priority),
    'ticket.ticket_type': cap(state.seed.type),
    'ticket.via': cap(state.seed.channel),
    'ticket.tags': state.seed.tags.join(' '),
    'ticket.url': `${world.host.replace(/^https?:\/\//, '')}/agent/tickets/${state.seed.id}`,
    'ticket.link': `${world.host}/agent/tickets/${state.seed.id}`,
    'ticket.created_at_with_timestamp': seconds(state.createdAt),
    'ticket.updated_at_with_timestamp': seconds(state.updatedAt),
    'ticket.requester.id': String(state.seed.requesterId),
    'ticket.requester.email': requester?.email ?? '',
    'ticket.requester.name': requester?.name ?? '',
    'ticket.requester.first_name': requester?.name.split(' ')[0] ?? '',
    'ticket.requester.last_name': requester?.name.split(' ').slice(1).join(' ') ?? '',
    'ticket.assignee.id': state.assigneeId === null ? '' : String(state.assigneeId),
    'ticket.assignee.email': assignee?.email ?? '',
    'ticket.assignee.name': assignee?.name ?? '',
    'ticket.group.name': world.directory.groups.find((g) => g.id === state.seed.groupId)?.name ?? '',
    // A drop-down renders its tag (the value the REST API gives); no value renders empty.
    ...Object.fromEntries(
      customFieldsOf(state.seed.id).map((f) => [
        `ticket.ticket_field_${f.id}`,
        f.value === null ? '' : String(f.value),
      ]),
    ),
  };
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => values[name] ?? '');
}
