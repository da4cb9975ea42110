import { OPEN_STATUS_CATEGORIES, statusCategoryOf, type StatusCategory } from '@ticketflow/contracts';
import type { RestTicketStatus } from '@ticketflow/zendesk';

/** One action on a ticket; several field changes of one action share a sequence id, as in Zendesk. */
export interface TicketChange {
  at: number;
  sequenceId: string;
  kind:
    | 'created'
    | 'status'
    | 'assign'
    | 'priority'
    | 'comment'
    | 'soft_delete'
    | 'undelete'
    | 'permanent_delete'
    | 'merge'
    | 'spam';
  actorId: number;
  status?: RestTicketStatus;
  customStatusId?: number;
  assigneeId?: number | null;
  priority?: TicketPriority;
  comment?: { id: number; public: boolean; body: string };
  mergedInto?: number;
}

export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type TicketKind = 'problem' | 'incident' | 'question' | 'task';
// Zendesk's status categories are the contracts' ones: one definition for the simulator and Ticketflow.
export type { StatusCategory };

/** What never changes over a ticket's life in the simulator. */
export interface TicketSeed {
  id: number;
  subject: string;
  description: string;
  requesterId: number;
  groupId: number;
  organizationId: number | null;
  type: TicketKind;
  channel: string;
  tags: string[];
}

export interface StatusTransition {
  at: number;
  from: RestTicketStatus | null;
  to: RestTicketStatus;
  customStatusId: number | null;
  sequenceId: string;
}

/** A ticket's state after folding its changes up to some moment. */
export interface TicketState {
  seed: TicketSeed;
  status: RestTicketStatus;
  /** Status before a soft delete, restored by undelete. */
  statusBeforeDelete: RestTicketStatus | null;
  customStatusId: number | null;
  assigneeId: number | null;
  priority: TicketPriority;
  createdAt: number;
  updatedAt: number;
  deleted: 'soft' | 'permanent' | null;
  mergedInto: number | null;
  spam: boolean;
  history: StatusTransition[];
  comments: number;
  publicAgentReplies: number;
  firstReplyAt: number | null;
  assignedAt: number | null;
  initiallyAssignedAt: number | null;
  solvedAt: number | null;
  firstSolvedAt: number | null;
  reopens: number;
  assigneeStations: number;
  onHoldMs: number;
  pendingMs: number;
  lastStatusAt: number;
}

export interface CustomStatusDef {
  id: number;
  category: StatusCategory;
  label: string;
  isDefault: boolean;
}

/** Open for enrichment and alerting: unsolved category and not deleted. */
export function isOpen(state: TicketState): boolean {
  const category = statusCategoryOf(state.status);
  return state.deleted === null && category !== null && OPEN_STATUS_CATEGORIES.has(category);
}

/** A ticket's tags as Zendesk shows them: marking it as spam adds `spam`. */
export function tagsOf(state: TicketState): string[] {
  return state.spam ? [...state.seed.tags, 'spam'] : state.seed.tags;
}
