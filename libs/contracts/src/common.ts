import { z } from 'zod';

/** Zendesk ids exceed what some consumers hold exactly in a double; on our topics they are decimal strings. */
export const ZendeskId = z.string().regex(/^\d+$/, 'a Zendesk id: decimal digits');
export const IsoTimestamp = z.iso.datetime({ offset: true });

export const TicketStatus = z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted']);
export type TicketStatus = z.infer<typeof TicketStatus>;

/** Custom statuses belong to a category; closed tickets fall in the solved category (Zendesk rule). */
export const StatusCategory = z.enum(['new', 'open', 'pending', 'hold', 'solved']);
export type StatusCategory = z.infer<typeof StatusCategory>;

export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
export const TicketType = z.enum(['problem', 'incident', 'question', 'task']);

/** Unsolved categories: what "open ticket" means for enrichment and alerting. */
export const OPEN_STATUS_CATEGORIES: ReadonlySet<StatusCategory> = new Set([
  'new',
  'open',
  'pending',
  'hold',
]);

export function statusCategoryOf(status: TicketStatus): StatusCategory | null {
  if (status === 'deleted') return null;
  return status === 'closed' ? 'solved' : status;
}
