import type { DataSource } from 'typeorm';
import type { CustomFieldSpec } from './enrichment.config';
import { normaliseEmail, orderTransitions } from './projection';

export interface TicketView {
  id: string;
  subject: string | null;
  status: string;
  statusCategory: string | null;
  customStatusId: string | null;
  priority: string | null;
  assigneeId: string | null;
  requesterId: string | null;
  /** The Zendesk group handling it (the "sector") and its current name (null until the groups are read). */
  group: { id: string; name: string | null } | null;
  type: string | null;
  tags: string[];
  /** The configured custom fields by their names (TICKET_CUSTOM_FIELDS); null where the ticket has no value. */
  customFields: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  solvedAt: string | null;
  open: boolean;
  deleted: string | null;
}

const viewOf =
  (fields: readonly CustomFieldSpec[]) =>
  (r: Record<string, unknown>): TicketView => ({
    id: r['ticket_id'] as string,
    subject: r['subject'] as string | null,
    status: r['status'] as string,
    statusCategory: r['status_category'] as string | null,
    customStatusId: r['custom_status_id'] as string | null,
    priority: r['priority'] as string | null,
    assigneeId: r['assignee_id'] as string | null,
    requesterId: r['requester_id'] as string | null,
    group: r['group_id'] ? { id: r['group_id'] as string, name: r['group_name'] as string | null } : null,
    type: r['ticket_type'] as string | null,
    tags: (r['tags'] as string[] | null) ?? [],
    customFields: Object.fromEntries(
      fields.map((f) => [f.name, (r['custom_fields'] as Record<string, unknown> | null)?.[f.id] ?? null]),
    ),
    createdAt: (r['created_at'] as Date).toISOString(),
    updatedAt: (r['updated_at'] as Date).toISOString(),
    solvedAt: r['solved_at'] ? (r['solved_at'] as Date).toISOString() : null,
    open: r['open'] as boolean,
    deleted: r['deleted'] as string | null,
  });

/** A ticket's columns with its group's name, joined at read time: a renamed group shows at once everywhere. */
const TICKET = `t.*, g.name AS group_name`;
const WITH_GROUP = `LEFT JOIN zendesk_groups g ON g.group_id = t.group_id`;

const USER_TICKETS = `
  FROM company_users u
  JOIN zendesk_requesters r ON r.email_normalized = u.email_normalized
  JOIN tickets t ON t.requester_id = r.requester_id
  ${WITH_GROUP}`;

export interface TicketFilter {
  open?: boolean;
  statuses?: string[];
  includeDeleted?: boolean;
  /** Tickets after this id (ascending ids). */
  after?: string;
  limit: number;
}

/** Read side of the enrichment: plain SQL over the read models. */
export class EnrichmentQueries {
  private readonly view: (row: Record<string, unknown>) => TicketView;

  constructor(
    private readonly db: DataSource,
    customFields: readonly CustomFieldSpec[] = [],
  ) {
    this.view = viewOf(customFields);
  }

  async userExists(userId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM company_users WHERE user_id = $1`, [userId])).length > 0;
  }

  async usersByEmail(email: string): Promise<{ userId: string; email: string }[]> {
    const rows: { user_id: string; email: string }[] = await this.db.query(
      `SELECT user_id, email FROM company_users WHERE email_normalized = $1 ORDER BY user_id`,
      [normaliseEmail(email)],
    );
    return rows.map((r) => ({ userId: r.user_id, email: r.email }));
  }

  async userTickets(
    userId: string,
    filter: TicketFilter,
  ): Promise<{ tickets: TicketView[]; nextCursor: string | null }> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${TICKET} ${USER_TICKETS}
        WHERE u.user_id = $1
          AND ($2::boolean IS NULL OR t.open = $2)
          AND ($3::text[] IS NULL OR t.status = ANY($3))
          AND ($4 OR t.deleted IS NULL)
          AND ($5::numeric IS NULL OR t.ticket_id::numeric > $5::numeric)
        ORDER BY t.ticket_id::numeric
        LIMIT $6`,
      [
        userId,
        filter.open ?? null,
        filter.statuses ?? null,
        filter.includeDeleted ?? false,
        filter.after ?? null,
        filter.limit + 1,
      ],
    );
    const tickets = rows.slice(0, filter.limit).map(this.view);
    return { tickets, nextCursor: rows.length > filter.limit ? tickets[tickets.length - 1]!.id : null };
  }

  /** The given tickets, if they belong to the user (SSE filtering). */
  async userTicketsAmong(userId: string, ticketIds: string[]): Promise<TicketView[]> {
    if (ticketIds.length === 0) return [];
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${TICKET} ${USER_TICKETS} WHERE u.user_id = $1 AND t.ticket_id = ANY($2)`,
      [userId, ticketIds],
    );
    return rows.map(this.view);
  }

  async ticket(
    ticketId: string,
  ): Promise<
    | (TicketView & { history: { at: string; from: string | null; to: string; sourceEventId: string }[] })
    | null
  > {
    const [row]: Record<string, unknown>[] = await this.db.query(
      `SELECT ${TICKET} FROM tickets t ${WITH_GROUP} WHERE t.ticket_id = $1`,
      [ticketId],
    );
    if (!row) return null;
    const history: {
      occurred_at: Date;
      from_status: string | null;
      to_status: string;
      source_event_id: string;
    }[] = await this.db.query(
      `SELECT occurred_at, from_status, to_status, source_event_id FROM ticket_status_history
        WHERE ticket_id = $1 ORDER BY occurred_at, sequence_id`,
      [ticketId],
    );
    return {
      ...this.view(row),
      history: orderTransitions(
        history.map((h) => ({
          at: h.occurred_at.toISOString(),
          from: h.from_status,
          to: h.to_status,
          sourceEventId: h.source_event_id,
        })),
      ),
    };
  }
}
