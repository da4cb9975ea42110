import type { DataSource, EntityManager } from 'typeorm';
import type { TicketEvent, UserEvent } from '@ticketflow/contracts';
import type { DecodedMessage, PartitionBatch } from '@ticketflow/kafka';
import { applyFenced, loadConsumerOffsets } from '@ticketflow/persistence';
import { markOpenSetChanges } from './open-set-publisher';
import {
  normaliseEmail,
  projectTicketEvent,
  type RequesterEmail,
  type TicketRow,
  type TransitionRow,
} from './projection';
import {
  insertTransitions,
  loadTickets,
  noteRequesterLookups,
  upsertRequesters,
  upsertTickets,
} from './store';

/** Postgres channel announcing projected ticket changes (payload: JSON array of ticket ids) to SSE streams. */
export const TICKET_CHANGES_CHANNEL = 'ticket_changes';

export interface BatchOutcome {
  events: number;
  changedTickets: number;
  transitions: number;
  /** Requesters this batch made known whose email is to be read from Zendesk (the batch's consumer asks at once). */
  lookups: string[];
}

const NOTHING: BatchOutcome = { events: 0, changedTickets: 0, transitions: 0, lookups: [] };

/** How long a new requester lookup is left to the consumer that recorded it before any sweep takes it. */
export const LOOKUP_GRACE_MS = 10_000;

/**
 * Applies Kafka batches to the read models, each in one transaction fenced by its consumer offset, so every event
 * takes effect exactly once. What changed is marked in the same transaction; the OpenSetPublisher turns the marks
 * into users' open sets from committed state.
 */
export class EnrichmentProjector {
  constructor(
    private readonly db: DataSource,
    readonly groupId: string,
  ) {}

  storedOffsets = (topic: string) => loadConsumerOffsets(this.db.manager, this.groupId, topic);

  async applyTicketBatch(batch: PartitionBatch<TicketEvent>): Promise<BatchOutcome> {
    const outcome = await applyFenced(
      this.db,
      this.groupId,
      batch,
      (manager, messages) => this.projectTickets(manager, messages),
      // The commit need not wait for its WAL flush: a crash loses the offsets with the effects and the marks.
      { relaxDurability: true },
    );
    return outcome ?? NOTHING;
  }

  private async projectTickets(
    manager: EntityManager,
    messages: DecodedMessage<TicketEvent>[],
  ): Promise<BatchOutcome> {
    const ids = [...new Set(messages.map((m) => m.value.ticketId))];
    const current = await loadTickets(manager, ids);
    const changed = new Map<string, TicketRow>();
    const transitions: TransitionRow[] = [];
    const requesters: RequesterEmail[] = [];
    for (const { value: event } of messages) {
      const projected = projectTicketEvent(
        changed.get(event.ticketId) ?? current.get(event.ticketId) ?? null,
        event,
      );
      if (projected.row) changed.set(event.ticketId, projected.row);
      transitions.push(...projected.transitions);
      if (projected.requester) requesters.push(projected.requester);
    }
    await upsertTickets(manager, [...changed.values()], new Set(current.keys()));
    await insertTransitions(manager, transitions);
    await upsertRequesters(manager, requesters);
    const lookups = await noteRequesterLookups(
      manager,
      [...changed.values()].flatMap((row) => row.requesterId ?? []),
      LOOKUP_GRACE_MS,
    );
    await markOpenSetChanges(manager, {
      // Open sets hold open tickets by requester: a change that moves neither cannot change any set.
      ticketIds: [...changed.values()]
        .filter((row) => {
          const before = current.get(row.ticketId);
          return !before || before.open !== row.open || before.requesterId !== row.requesterId;
        })
        .map((row) => row.ticketId),
      requesterIds: [...new Set(requesters.map((r) => r.requesterId))],
      causeEventId: messages.at(-1)?.value.eventId ?? null,
    });
    await notifyChanges(manager, [...changed.keys()]);
    return {
      events: messages.length,
      changedTickets: changed.size,
      transitions: transitions.length,
      lookups,
    };
  }

  async applyUserBatch(batch: PartitionBatch<UserEvent>): Promise<BatchOutcome> {
    const outcome = await applyFenced(
      this.db,
      this.groupId,
      batch,
      async (manager, messages) => {
        // Latest event per user wins within the batch (Kafka orders one user's events).
        const latest = new Map<string, UserEvent>();
        for (const { value } of messages) latest.set(value.userId, value);
        for (const event of latest.values()) {
          if (event.type === 'user.upserted') {
            await manager.query(
              `INSERT INTO company_users (user_id, email, email_normalized) VALUES ($1, $2, $3)
               ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, email_normalized = EXCLUDED.email_normalized, updated_at = now()`,
              [event.userId, event.email, normaliseEmail(event.email)],
            );
          } else {
            await manager.query(`DELETE FROM company_users WHERE user_id = $1`, [event.userId]);
          }
        }
        await markOpenSetChanges(manager, {
          userIds: [...latest.keys()],
          causeEventId: messages.at(-1)?.value.eventId ?? null,
        });
        await manager.query(`SELECT pg_notify($1, $2)`, [TICKET_CHANGES_CHANNEL, '[]']);
        return { ...NOTHING, events: messages.length };
      },
      { relaxDurability: true },
    );
    return outcome ?? NOTHING;
  }

  /** Requester emails resolved from Zendesk: tickets already stored attach to their users now. */
  async addRequesters(
    requesters: { requesterId: string; email: string }[],
    asOf = new Date().toISOString(),
  ): Promise<void> {
    if (requesters.length === 0) return;
    await this.db.transaction(async (manager) => {
      // Read from Zendesk now: newer than any update before the read.
      await upsertRequesters(
        manager,
        requesters.map((r) => ({ requesterId: r.requesterId, email: normaliseEmail(r.email), asOf })),
      );
      await markOpenSetChanges(manager, {
        requesterIds: requesters.map((r) => r.requesterId),
        causeEventId: null,
      });
      // Their tickets now belong to a user: that user's streams show them.
      // One index probe per requester, whatever the planner guesses of a table it has no statistics of yet (a
      // replay's): OFFSET 0 keeps the subquery from being merged into a hash join over every ticket.
      const tickets: { ticket_id: string }[] = await manager.query(
        `SELECT t.ticket_id FROM unnest($1::text[]) AS r(id)
           CROSS JOIN LATERAL (SELECT ticket_id FROM tickets WHERE requester_id = r.id OFFSET 0) t`,
        [requesters.map((r) => r.requesterId)],
      );
      await notifyChanges(
        manager,
        tickets.map((t) => t.ticket_id),
      );
    });
  }
}

/** NOTIFY payloads stop at 8,000 bytes: large batches announce their tickets in several notifications. */
async function notifyChanges(manager: EntityManager, ticketIds: string[]) {
  for (let i = 0; i < ticketIds.length; i += 400) {
    await manager.query(`SELECT pg_notify($1, $2)`, [
      TICKET_CHANGES_CHANNEL,
      JSON.stringify(ticketIds.slice(i, i + 400)),
    ]);
  }
}
