import type { Duration, RestTicket, RestTicketMetric } from '@ticketflow/zendesk';
import type { TicketState } from './model';

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const minutes = (ms: number | null): Duration =>
  ms === null
    ? { calendar: null, business: null }
    : { calendar: Math.round(ms / 60_000), business: Math.round(ms / 60_000) };

/** A ticket as the REST API and the incremental export show it. */
export function restTicket(state: TicketState, host: string): RestTicket {
  const { seed } = state;
  return {
    id: seed.id,
    url: `${host}/api/v2/tickets/${seed.id}.json`,
    external_id: null,
    type: seed.type,
    subject: seed.subject,
    raw_subject: seed.subject,
    description: seed.description,
    priority: state.priority,
    status: state.status,
    custom_status_id: state.customStatusId,
    requester_id: seed.requesterId,
    submitter_id: seed.requesterId,
    assignee_id: state.assigneeId,
    organization_id: seed.organizationId,
    group_id: seed.groupId,
    brand_id: 360_000_001,
    tags: state.spam ? [...seed.tags, 'spam'] : seed.tags,
    via: { channel: seed.channel },
    created_at: iso(state.createdAt),
    updated_at: iso(state.updatedAt),
    generated_timestamp: Math.floor(state.updatedAt / 1000),
    is_public: true,
    ticket_form_id: null,
  };
}

/** Ticket metrics consistent with the ticket's life (calendar minutes; business = calendar in the simulator). */
export function restTicketMetric(state: TicketState, host: string): RestTicketMetric {
  const id = state.seed.id + 7_000_000;
  const solved = state.solvedAt !== null && (state.status === 'solved' || state.status === 'closed');
  return {
    id,
    ticket_id: state.seed.id,
    url: `${host}/api/v2/ticket_metrics/${id}.json`,
    created_at: iso(state.createdAt),
    updated_at: iso(state.updatedAt),
    assigned_at: isoOrNull(state.assignedAt),
    initially_assigned_at: isoOrNull(state.initiallyAssignedAt),
    assignee_updated_at: isoOrNull(state.assignedAt),
    requester_updated_at: iso(state.createdAt),
    status_updated_at: iso(state.lastStatusAt),
    custom_status_updated_at: iso(state.lastStatusAt),
    latest_comment_added_at: iso(state.updatedAt),
    solved_at: solved ? iso(state.solvedAt!) : null,
    assignee_stations: state.assigneeStations,
    group_stations: 1,
    reopens: state.reopens,
    replies: state.publicAgentReplies,
    reply_time_in_minutes: minutes(state.firstReplyAt === null ? null : state.firstReplyAt - state.createdAt),
    first_resolution_time_in_minutes: minutes(
      state.firstSolvedAt === null ? null : state.firstSolvedAt - state.createdAt,
    ),
    full_resolution_time_in_minutes: minutes(solved ? state.solvedAt! - state.createdAt : null),
    agent_wait_time_in_minutes: minutes(state.pendingMs),
    requester_wait_time_in_minutes: minutes(Math.max(0, state.updatedAt - state.createdAt - state.pendingMs)),
    on_hold_time_in_minutes: minutes(state.onHoldMs),
  };
}
