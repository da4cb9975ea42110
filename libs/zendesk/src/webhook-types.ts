/** Event-subscribed webhook payloads (`zen:event-type:ticket.*`): string ids, UPPERCASE enums. */

export interface WebhookTicketDetail {
  actor_id: string;
  assignee_id: string | null;
  brand_id: string;
  created_at: string;
  custom_status: string | null;
  description: string;
  external_id: string | null;
  form_id: string | null;
  group_id: string | null;
  id: string;
  is_public: boolean;
  organization_id: string | null;
  priority: 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT' | null;
  requester_id: string;
  status: 'NEW' | 'OPEN' | 'PENDING' | 'HOLD' | 'SOLVED' | 'CLOSED' | 'DELETED';
  subject: string;
  submitter_id: string;
  tags: string[] | null;
  type: 'PROBLEM' | 'INCIDENT' | 'QUESTION' | 'TASK' | null;
  updated_at: string;
  via: { channel: string };
}

export interface WebhookEventMeta {
  sequence: { id: string; position: number; total?: number };
}

export interface TicketWebhookEnvelope {
  account_id: number;
  detail: WebhookTicketDetail;
  event: Record<string, unknown> & { meta?: WebhookEventMeta };
  id: string;
  subject: string;
  time: string;
  type: string;
  zendesk_event_version: string;
}

/** Ticket event types Zendesk documents for event-subscribed webhooks. */
export const TICKET_WEBHOOK_EVENT_TYPES = [
  'ticket.agent_assignment_changed',
  'ticket.attachment_linked_to_comment',
  'ticket.attachment_redacted_from_comment',
  'ticket.brand_changed',
  'ticket.comment_added',
  'ticket.comment_made_private',
  'ticket.comment_redacted',
  'ticket.created',
  'ticket.custom_field_changed',
  'ticket.custom_status_changed',
  'ticket.description_changed',
  'ticket.email_ccs_changed',
  'ticket.external_id_changed',
  'ticket.followers_changed',
  'ticket.form_changed',
  'ticket.group_assignment_changed',
  'ticket.marked_as_spam',
  'ticket.merged',
  'ticket.organization_changed',
  'ticket.permanently_deleted',
  'ticket.priority_changed',
  'ticket.problem_link_changed',
  'ticket.requester_changed',
  'ticket.soft_deleted',
  'ticket.status_changed',
  'ticket.subject_changed',
  'ticket.submitter_changed',
  'ticket.tags_changed',
  'ticket.task_due_at_changed',
  'ticket.type_changed',
  'ticket.undeleted',
] as const;
export type TicketWebhookEventType = (typeof TICKET_WEBHOOK_EVENT_TYPES)[number];
export const EVENT_TYPE_PREFIX = 'zen:event-type:';
