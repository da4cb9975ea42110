import type { Duration, RestGroup, RestTicket, RestTicketMetric, RestUser } from '@ticketflow/zendesk';
import {
  BRAND_ID,
  GROUP_ID_BASE,
  ORDER_NUMBER_FIELD,
  PRODUCT_AREA_FIELD,
  SUPPORT_ADDRESS,
} from './directory';
import { tagsOf, type TicketSeed, type TicketState } from './model';
import { mulberry32, pick } from './random';

// The REST shapes of tickets, users and ticket metrics: every route (show, lists, search, exports) renders here.

/** Zendesk's timestamps: UTC, whole seconds (`2015-04-16T09:14:57Z`). */
export const restTime = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const isoOrNull = (ms: number | null) => (ms === null ? null : restTime(ms));
const minutes = (ms: number | null): Duration =>
  ms === null
    ? { calendar: null, business: null }
    : { calendar: Math.round(ms / 60_000), business: Math.round(ms / 60_000) };

export interface ViaSource {
  from: Record<string, string | number>;
  to: Record<string, string>;
  rel: string | null;
}

export interface CustomFieldValue {
  id: number;
  value: string | null;
}

export type SatisfactionRating =
  { score: 'unoffered' | 'offered' } | { id: number; score: 'good' | 'bad'; comment: string };

/** Zendesk's documented ticket object: what Ticketflow reads (`RestTicket`) and the rest. */
export interface SimulatedRestTicket extends RestTicket {
  via: { channel: string; source: ViaSource };
  recipient: string | null;
  collaborator_ids: number[];
  follower_ids: number[];
  email_cc_ids: number[];
  forum_topic_id: number | null;
  problem_id: number | null;
  has_incidents: boolean;
  due_at: string | null;
  custom_fields: CustomFieldValue[];
  satisfaction_rating: SatisfactionRating;
  sharing_agreement_ids: number[];
  fields: CustomFieldValue[];
  followup_ids: number[];
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
  encoded_id: string;
}

/** Task tickets are due three days after they were opened (the only type Zendesk gives a due date). */
const TASK_DUE_AFTER_MS = 3 * 86_400_000;
const ENCODED_ID_ALPHABET = [...'23456789ABCDEFGHJKLMNPQRSTVWXYZ'];

/**
 * What the generated history does not decide (custom field values, satisfaction, the short encoded id), drawn from
 * the ticket id alone: the same on every route and every run, and no extra draw on the history's random stream.
 */
function ticketExtras(id: number) {
  const rng = mulberry32(Math.imul(id, 0x2c1b3c6d) ^ 0x7ea5e);
  const productArea = rng() < 0.8 ? pick(rng, PRODUCT_AREA_FIELD.options) : null;
  const orderNumber = rng() < 0.4 ? `ORD-${100_000 + Math.floor(rng() * 900_000)}` : null;
  const satisfaction = rng();
  const code = (n: number) => Array.from({ length: n }, () => pick(rng, ENCODED_ID_ALPHABET)).join('');
  return { productArea, orderNumber, satisfaction, encodedId: `${code(6)}-${code(4)}` };
}

/** Solved tickets are offered a survey; about half are rated, mostly good. */
function satisfactionOf(state: TicketState, draw: number): SatisfactionRating {
  if (state.status !== 'solved' && state.status !== 'closed') return { score: 'unoffered' };
  if (draw < 0.5) return { score: 'offered' };
  return draw < 0.85
    ? { id: state.seed.id + 9_000_000, score: 'good', comment: 'Quick and helpful, thanks.' }
    : { id: state.seed.id + 9_000_000, score: 'bad', comment: 'It took too long.' };
}

/** How a ticket came in: its channel, and for email the support address it was sent to. */
export function ticketVia(seed: TicketSeed): { channel: string; source: ViaSource } {
  const to: Record<string, string> =
    seed.channel === 'email' ? { name: 'Support', address: SUPPORT_ADDRESS } : {};
  return { channel: seed.channel, source: { from: {}, to, rel: null } };
}

/** A ticket's custom field values, in the account's field order (fixed for its life). */
export function customFieldsOf(ticketId: number): CustomFieldValue[] {
  const extras = ticketExtras(ticketId);
  return [
    { id: PRODUCT_AREA_FIELD.id, value: extras.productArea },
    { id: ORDER_NUMBER_FIELD.id, value: extras.orderNumber },
  ];
}

/** A ticket as the REST API, search and the incremental exports show it. */
export function restTicket(state: TicketState, host: string): SimulatedRestTicket {
  const { seed } = state;
  const extras = ticketExtras(seed.id);
  const customFields = customFieldsOf(seed.id);
  return {
    url: `${host}/api/v2/tickets/${seed.id}.json`,
    id: seed.id,
    external_id: null,
    via: ticketVia(seed),
    created_at: restTime(state.createdAt),
    updated_at: restTime(state.updatedAt),
    generated_timestamp: Math.floor(state.updatedAt / 1000),
    type: seed.type,
    subject: seed.subject,
    raw_subject: seed.subject,
    description: seed.description,
    priority: state.priority,
    status: state.status,
    custom_status_id: state.customStatusId,
    recipient: seed.channel === 'email' ? SUPPORT_ADDRESS : null,
    requester_id: seed.requesterId,
    submitter_id: seed.requesterId,
    assignee_id: state.assigneeId,
    organization_id: seed.organizationId,
    group_id: seed.groupId,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: seed.type === 'task' ? restTime(state.createdAt + TASK_DUE_AFTER_MS) : null,
    tags: tagsOf(state),
    custom_fields: customFields,
    satisfaction_rating: satisfactionOf(state, extras.satisfaction),
    sharing_agreement_ids: [],
    // Zendesk repeats custom_fields as fields.
    fields: customFields.map((field) => ({ ...field })),
    followup_ids: [],
    ticket_form_id: null,
    brand_id: BRAND_ID,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
    encoded_id: extras.encodedId,
  };
}

/** Zendesk's documented user object. */
export interface SimulatedRestUser extends RestUser {
  time_zone: string;
  iana_time_zone: string;
  phone: string | null;
  shared_phone_number: boolean | null;
  photo: null;
  locale_id: number;
  locale: string;
  organization_id: number | null;
  verified: boolean;
  external_id: string | null;
  tags: string[];
  alias: string | null;
  shared: boolean;
  shared_agent: boolean;
  last_login_at: string | null;
  two_factor_auth_enabled: boolean;
  signature: string | null;
  details: string | null;
  notes: string | null;
  role_type: number | null;
  custom_role_id: number | null;
  moderator: boolean;
  ticket_restriction: 'requested' | null;
  only_private_comments: boolean;
  restricted_agent: boolean;
  chat_only: boolean;
  report_csv: boolean;
  user_fields: Record<string, never>;
}

/** A user as the Users API and search show it; the URL carries the simulator's host (port included). */
export function restUser(user: RestUser, host: string): SimulatedRestUser {
  const staff = user.role !== 'end-user';
  const createdAt = restTime(Date.parse(user.created_at));
  const updatedAt = restTime(Date.parse(user.updated_at));
  return {
    id: user.id,
    url: `${host}/api/v2/users/${user.id}.json`,
    name: user.name,
    email: user.email,
    created_at: createdAt,
    updated_at: updatedAt,
    time_zone: 'UTC',
    iana_time_zone: 'Etc/UTC',
    phone: null,
    shared_phone_number: null,
    photo: null,
    locale_id: 1,
    locale: 'en-US',
    organization_id: null,
    role: user.role,
    verified: staff || user.email !== null,
    external_id: null,
    tags: [],
    alias: staff ? '' : null,
    active: user.active,
    shared: false,
    shared_agent: false,
    last_login_at: staff ? updatedAt : null,
    two_factor_auth_enabled: false,
    signature: staff ? '' : null,
    details: staff ? '' : null,
    notes: staff ? '' : null,
    role_type: null,
    custom_role_id: null,
    moderator: staff,
    ticket_restriction: staff ? null : 'requested',
    only_private_comments: false,
    restricted_agent: !staff,
    suspended: user.suspended,
    chat_only: false,
    default_group_id: user.default_group_id,
    report_csv: user.role === 'admin',
    user_fields: {},
  };
}

/** Zendesk's documented group object. */
export interface SimulatedRestGroup extends RestGroup {
  url: string;
  description: string;
  default: boolean;
  deleted: boolean;
  is_public: boolean;
}

/** A group as the Groups API and sideloads show it; the first group is the account's default. */
export function restGroup(group: RestGroup, host: string): SimulatedRestGroup {
  return {
    id: group.id,
    url: `${host}/api/v2/groups/${group.id}.json`,
    name: group.name,
    description: '',
    default: group.id === GROUP_ID_BASE,
    deleted: false,
    is_public: true,
    created_at: restTime(Date.parse(group.created_at)),
    updated_at: restTime(Date.parse(group.updated_at)),
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
    created_at: restTime(state.createdAt),
    updated_at: restTime(state.updatedAt),
    assigned_at: isoOrNull(state.assignedAt),
    initially_assigned_at: isoOrNull(state.initiallyAssignedAt),
    assignee_updated_at: isoOrNull(state.assignedAt),
    requester_updated_at: restTime(state.createdAt),
    status_updated_at: restTime(state.lastStatusAt),
    custom_status_updated_at: restTime(state.lastStatusAt),
    latest_comment_added_at: restTime(state.updatedAt),
    solved_at: solved ? restTime(state.solvedAt!) : null,
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
