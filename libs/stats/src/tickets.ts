import type { StatsTicketFact } from '@ticketflow/contracts';
import { zendeskIdOf } from './ids';

/** One ticket of `GET /api/v2/incremental/tickets/cursor`; only what the statistics read. */
export interface RawTicket {
  id: unknown;
  created_at?: unknown;
  status?: unknown;
}

/** A ticket's fact: created_at truncated to seconds as the API prints it, null when absent or unreadable. */
export function ticketFactOf(ticket: RawTicket): StatsTicketFact {
  const id = zendeskIdOf(ticket.id, 'ticket id');
  if (typeof ticket.status !== 'string') throw new Error(`ticket ${id}: no status`);
  const created = typeof ticket.created_at === 'string' ? Date.parse(ticket.created_at) : NaN;
  return { id, createdAt: Number.isNaN(created) ? null : Math.floor(created / 1000), status: ticket.status };
}
