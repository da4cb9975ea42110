import { statusCategoryOf } from '@ticketflow/contracts';
import type { RestTicketStatus } from '@ticketflow/zendesk';
import {
  AGENT_ID_BASE,
  CUSTOM_STATUSES,
  GROUP_ID_BASE,
  ORGANIZATION_ID_BASE,
  REQUESTER_ID_BASE,
  TICKET_ID_BASE,
  defaultCustomStatus,
} from './directory';
import {
  type StatusCategory,
  type TicketChange,
  type TicketPriority,
  type TicketSeed,
  type TicketState,
} from './model';
import { expDelay, pick, rngFor, type Rng } from './random';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Zendesk closes solved tickets automatically after 4 days by default. */
export const AUTO_CLOSE_AFTER_MS = 4 * DAY;

const SUBJECTS = [
  'Cannot log in',
  'Invoice shows the wrong amount',
  'Export to CSV fails',
  'Password reset email never arrives',
  'App crashes on start',
  'Refund request',
  'Question about my plan',
  'Data missing after sync',
  'Printer on fire',
  'Feature request: dark mode',
];
const CHANNELS = ['email', 'web', 'api', 'chat'];
const PRIORITIES: TicketPriority[] = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'];
const KINDS = ['question', 'incident', 'problem', 'task'] as const;

export interface WorldShape {
  seed: number;
  ticketCount: number;
  requesterCount: number;
  agentCount: number;
  /** History spans [start, now]. */
  start: number;
  now: number;
}

/** Requester of ticket i: skewed so a few people hold many tickets (the ones alerting cares about). */
function requesterIndex(rng: Rng, requesterCount: number): number {
  return Math.min(requesterCount - 1, Math.floor(requesterCount * rng() ** 1.6));
}

export function ticketIdOf(index: number) {
  return TICKET_ID_BASE + index;
}

/** Deterministic seed and history (up to shape.now) of the ticket with the given index. */
export function generateTicket(
  shape: WorldShape,
  index: number,
): { seed: TicketSeed; changes: TicketChange[] } {
  const rng = rngFor(shape.seed, index);
  const id = ticketIdOf(index);
  // Ids grow with creation time, as in Zendesk; jitter keeps it from looking like a grid.
  const slot = (shape.now - shape.start) / Math.max(1, shape.ticketCount);
  const createdAt = Math.round(shape.start + index * slot + rng() * slot * 0.9);
  const requesterId = REQUESTER_ID_BASE + requesterIndex(rng, shape.requesterCount);
  const seed: TicketSeed = {
    id,
    subject: `${pick(rng, SUBJECTS)} (#${id})`,
    description: `Hello, ${pick(rng, SUBJECTS).toLowerCase()}. Ticket ${id}.`,
    requesterId,
    groupId: GROUP_ID_BASE + Math.floor(rng() * 3),
    organizationId: rng() < 0.5 ? ORGANIZATION_ID_BASE + Math.floor(rng() * 20) : null,
    type: pick(rng, KINDS),
    channel: pick(rng, CHANNELS),
    tags: rng() < 0.3 ? ['vip'] : [],
  };
  const agents = (n: number) => AGENT_ID_BASE + Math.floor(rng() * n);
  let seq = 0;
  const sequenceId = () => `${id}-${++seq}`;
  let commentId = id * 100;
  const changes: TicketChange[] = [
    {
      at: createdAt,
      sequenceId: sequenceId(),
      kind: 'created',
      actorId: requesterId,
      status: 'new',
      customStatusId: 1,
      priority: pick(rng, PRIORITIES),
      comment: { id: ++commentId, public: true, body: seed.description },
    },
  ];

  const fate = rng();
  if (fate < 0.02) {
    const at = createdAt + expDelay(rng, HOUR);
    if (at <= shape.now)
      changes.push({ at, sequenceId: sequenceId(), kind: 'spam', actorId: agents(shape.agentCount) });
    return { seed, changes };
  }

  let status: RestTicketStatus = 'new';
  let t = createdAt;
  let assignee: number | null = null;
  const steps = 2 + Math.floor(rng() * 8);
  for (let step = 0; step < steps; step++) {
    t += expDelay(rng, 6 * HOUR);
    if (t > shape.now) break;
    const next = nextStatus(rng, status);
    if (next === null) break;
    if (next === 'closed' && t < lastSolvedAt(changes) + AUTO_CLOSE_AFTER_MS) {
      t = lastSolvedAt(changes) + AUTO_CLOSE_AFTER_MS;
      if (t > shape.now) break;
    }
    const actor: number = next === 'closed' ? -1 : (assignee ?? agents(shape.agentCount));
    const sequence = sequenceId();
    if (assignee === null && next !== 'closed') {
      assignee = actor;
      changes.push({ at: t, sequenceId: sequence, kind: 'assign', actorId: actor, assigneeId: assignee });
    } else if (rng() < 0.05 && next !== 'closed') {
      // Reassignment to a colleague.
      assignee = agents(shape.agentCount);
      changes.push({ at: t, sequenceId: sequence, kind: 'assign', actorId: actor, assigneeId: assignee });
    }
    if (next === 'pending' || next === 'solved') {
      changes.push({
        at: t,
        sequenceId: sequence,
        kind: 'comment',
        actorId: assignee!,
        comment: { id: ++commentId, public: true, body: 'Agent reply' },
      });
    }
    changes.push({
      at: t,
      sequenceId: sequence,
      kind: 'status',
      actorId: actor,
      status: next,
      customStatusId: customStatusFor(rng, next),
    });
    if (rng() < 0.08 && next !== 'closed') {
      changes.push({
        at: t,
        sequenceId: sequence,
        kind: 'priority',
        actorId: actor,
        priority: pick(rng, PRIORITIES),
      });
    }
    status = next;
  }

  // Rarer ends of a life: merged into another ticket, or deleted (and perhaps restored or purged).
  if (fate < 0.04 && status !== 'closed' && index > 0) {
    const at = t + expDelay(rng, HOUR);
    if (at <= shape.now) {
      changes.push({
        at,
        sequenceId: sequenceId(),
        kind: 'merge',
        actorId: assignee ?? agents(shape.agentCount),
        mergedInto: ticketIdOf(Math.floor(rng() * index)),
      });
    }
  } else if (fate < 0.07) {
    let at = t + expDelay(rng, 2 * HOUR);
    if (at <= shape.now) {
      changes.push({ at, sequenceId: sequenceId(), kind: 'soft_delete', actorId: agents(shape.agentCount) });
      const after = rng();
      at += expDelay(rng, DAY);
      if (at <= shape.now && after < 0.35)
        changes.push({ at, sequenceId: sequenceId(), kind: 'undelete', actorId: agents(shape.agentCount) });
      else if (at <= shape.now && after < 0.7)
        changes.push({
          at,
          sequenceId: sequenceId(),
          kind: 'permanent_delete',
          actorId: agents(shape.agentCount),
        });
    }
  }
  return { seed, changes };
}

function lastSolvedAt(changes: TicketChange[]): number {
  for (let i = changes.length - 1; i >= 0; i--) if (changes[i]!.status === 'solved') return changes[i]!.at;
  return -Infinity;
}

/** Markov step between statuses; null ends the life. */
export function nextStatus(rng: Rng, status: RestTicketStatus): RestTicketStatus | null {
  const r = rng();
  switch (status) {
    case 'new':
      return r < 0.9 ? 'open' : 'solved';
    case 'open':
      return r < 0.45 ? 'pending' : r < 0.55 ? 'hold' : 'solved';
    case 'pending':
      return r < 0.5 ? 'open' : 'solved';
    case 'hold':
      return 'open';
    case 'solved':
      return r < 0.15 ? 'open' : 'closed';
    default:
      return null;
  }
}

/** Sometimes a custom status of the category instead of the default one. */
export function customStatusFor(rng: Rng, status: RestTicketStatus): number | undefined {
  const category = statusCategoryOf(status);
  if (!category) return undefined;
  const custom = CUSTOM_STATUSES.filter((s) => s.category === category && !s.isDefault);
  return custom.length && rng() < 0.25 ? pick(rng, custom).id : defaultCustomStatus(category).id;
}

export function initialState(seed: TicketSeed): TicketState {
  return {
    seed,
    status: 'new',
    statusBeforeDelete: null,
    customStatusId: null,
    assigneeId: null,
    priority: 'normal',
    createdAt: 0,
    updatedAt: 0,
    deleted: null,
    mergedInto: null,
    spam: false,
    history: [],
    comments: 0,
    publicAgentReplies: 0,
    firstReplyAt: null,
    assignedAt: null,
    initiallyAssignedAt: null,
    solvedAt: null,
    firstSolvedAt: null,
    reopens: 0,
    assigneeStations: 0,
    onHoldMs: 0,
    pendingMs: 0,
    lastStatusAt: 0,
  };
}

/** Folds one change into a ticket's state (pure: returns a new state). */
export function evolve(state: TicketState, change: TicketChange): TicketState {
  const next: TicketState = { ...state, history: state.history, updatedAt: change.at };
  const setStatus = (to: RestTicketStatus, customStatusId: number | null) => {
    const from = state.status;
    if (from === 'hold') next.onHoldMs += change.at - state.lastStatusAt;
    if (from === 'pending') next.pendingMs += change.at - state.lastStatusAt;
    if (statusCategoryOf(to) === 'solved' && statusCategoryOf(from) !== 'solved') {
      next.solvedAt = change.at;
      next.firstSolvedAt ??= change.at;
    }
    if (statusCategoryOf(from) === 'solved' && to === 'open') next.reopens += 1;
    next.status = to;
    next.customStatusId = customStatusId;
    next.lastStatusAt = change.at;
    const first = state.history.length === 0;
    if (to !== from || first) {
      next.history = [
        ...state.history,
        { at: change.at, from: first ? null : from, to, customStatusId, sequenceId: change.sequenceId },
      ];
    }
  };
  switch (change.kind) {
    case 'created':
      next.createdAt = change.at;
      next.priority = change.priority ?? 'normal';
      next.comments = 1;
      setStatus('new', change.customStatusId ?? 1);
      break;
    case 'status':
      setStatus(change.status!, change.customStatusId ?? defaultStatusId(change.status!));
      break;
    case 'assign':
      next.assigneeId = change.assigneeId ?? null;
      next.assigneeStations += 1;
      next.assignedAt = change.at;
      next.initiallyAssignedAt ??= change.at;
      break;
    case 'priority':
      next.priority = change.priority!;
      break;
    case 'comment':
      next.comments += 1;
      if (change.comment?.public && change.actorId !== state.seed.requesterId) {
        next.publicAgentReplies += 1;
        next.firstReplyAt ??= change.at;
      }
      break;
    case 'merge':
      next.mergedInto = change.mergedInto ?? null;
      next.seed = { ...state.seed, tags: [...state.seed.tags, 'closed_by_merge'] };
      setStatus('closed', defaultStatusId('closed'));
      break;
    case 'spam':
      next.spam = true;
      next.deleted = 'soft';
      next.statusBeforeDelete = state.status;
      setStatus('deleted', null);
      break;
    case 'soft_delete':
      next.deleted = 'soft';
      next.statusBeforeDelete = state.status;
      setStatus('deleted', null);
      break;
    case 'undelete':
      next.deleted = null;
      setStatus(state.statusBeforeDelete ?? 'open', defaultStatusId(state.statusBeforeDelete ?? 'open'));
      next.statusBeforeDelete = null;
      break;
    case 'permanent_delete':
      next.deleted = 'permanent';
      break;
  }
  return next;
}

function defaultStatusId(status: RestTicketStatus): number | null {
  const category = statusCategoryOf(status);
  return category ? defaultCustomStatus(category as StatusCategory).id : null;
}

/** State after every change at or before `at`. */
export function stateAt(
  seed: TicketSeed,
  changes: readonly TicketChange[],
  at = Infinity,
): TicketState | null {
  let state: TicketState | null = null;
  for (const change of changes) {
    if (change.at > at) break;
    state = evolve(state ?? initialState(seed), change);
  }
  return state;
}
