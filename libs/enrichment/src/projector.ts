import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Topics, type TicketEvent, type UserEvent, type UserOpenTicketsChanged } from '@ticketflow/contracts';
import type { PartitionBatch } from '@ticketflow/kafka';
import { enqueueOutbox, loadConsumerOffsets, saveConsumerOffsets } from '@ticketflow/persistence';
import { normaliseEmail, projectTicketEvent, type TicketRow, type TransitionRow } from './projection';
import { insertTransitions, loadTickets, openTicketsOfUsers, upsertRequesters, upsertTickets } from './store';

/** Postgres channel announcing projected ticket changes (payload: JSON array of ticket ids) to SSE streams. */
export const TICKET_CHANGES_CHANNEL = 'ticket_changes';

export interface BatchOutcome {
  events: number;
  changedTickets: number;
  transitions: number;
}

/**
 * Applies Kafka batches to the read models, each in one transaction with its consumer offset, so every event takes
 * effect exactly once. Summaries for alerting go through an outbox written in the same transaction.
 */
export class EnrichmentProjector {
  constructor(
    private readonly db: DataSource,
    readonly groupId: string,
    private readonly openTicketsTopic = Topics.userOpenTickets.name,
  ) {}

  storedOffsets = (topic: string) => loadConsumerOffsets(this.db.manager, this.groupId, topic);

  async applyTicketBatch(batch: PartitionBatch<TicketEvent>): Promise<BatchOutcome> {
    return this.db.transaction(async (manager) => {
      await relaxDurability(manager);
      const ids = [...new Set(batch.messages.map((m) => m.value.ticketId))];
      const current = await loadTickets(manager, ids);
      const changed = new Map<string, TicketRow>();
      const transitions: TransitionRow[] = [];
      const requesters: { requesterId: string; email: string }[] = [];
      for (const { value: event } of batch.messages) {
        const projected = projectTicketEvent(
          changed.get(event.ticketId) ?? current.get(event.ticketId) ?? null,
          event,
        );
        if (projected.row) changed.set(event.ticketId, projected.row);
        transitions.push(...projected.transitions);
        if (projected.requester) requesters.push(projected.requester);
      }
      await upsertTickets(manager, [...changed.values()]);
      await insertTransitions(manager, transitions);
      await upsertRequesters(manager, requesters);
      const requesterIds = new Set<string>();
      for (const row of changed.values()) if (row.requesterId) requesterIds.add(row.requesterId);
      for (const id of ids) {
        const before = current.get(id)?.requesterId;
        if (before) requesterIds.add(before); // a ticket moved to another requester leaves the old one's set
      }
      await this.publishSummaries(
        manager,
        { requesterIds: [...requesterIds] },
        batch.messages.at(-1)?.value.eventId ?? null,
      );
      await saveConsumerOffsets(manager, this.groupId, [
        { topic: batch.topic, partition: batch.partition, nextOffset: batch.nextOffset },
      ]);
      await notifyChanges(manager, [...changed.keys()]);
      return { events: batch.messages.length, changedTickets: changed.size, transitions: transitions.length };
    });
  }

  async applyUserBatch(batch: PartitionBatch<UserEvent>): Promise<BatchOutcome> {
    return this.db.transaction(async (manager) => {
      await relaxDurability(manager);
      // Latest event per user wins within the batch (Kafka orders one user's events).
      const latest = new Map<string, UserEvent>();
      for (const { value } of batch.messages) latest.set(value.userId, value);
      const removed: string[] = [];
      for (const event of latest.values()) {
        if (event.type === 'user.upserted') {
          await manager.query(
            `INSERT INTO company_users (user_id, email, email_normalized) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, email_normalized = EXCLUDED.email_normalized, updated_at = now()`,
            [event.userId, event.email, normaliseEmail(event.email)],
          );
        } else {
          await manager.query(`DELETE FROM company_users WHERE user_id = $1`, [event.userId]);
          removed.push(event.userId);
        }
      }
      const cause = batch.messages.at(-1)?.value.eventId ?? null;
      await this.publishSummaries(manager, { userIds: [...latest.keys()] }, cause);
      // A removed user's enrichment is dropped: consumers get an empty set.
      await enqueueOutbox(
        manager,
        removed.map((userId) => summary(this.openTicketsTopic, userId, [], cause)),
      );
      await saveConsumerOffsets(manager, this.groupId, [
        { topic: batch.topic, partition: batch.partition, nextOffset: batch.nextOffset },
      ]);
      await manager.query(`SELECT pg_notify($1, $2)`, [TICKET_CHANGES_CHANNEL, '[]']);
      return { events: batch.messages.length, changedTickets: 0, transitions: 0 };
    });
  }

  /** Requester emails resolved from Zendesk: tickets already stored attach to their users now. */
  async addRequesters(requesters: { requesterId: string; email: string }[]): Promise<void> {
    if (requesters.length === 0) return;
    await this.db.transaction(async (manager) => {
      await upsertRequesters(
        manager,
        requesters.map((r) => ({ requesterId: r.requesterId, email: normaliseEmail(r.email) })),
      );
      await this.publishSummaries(manager, { requesterIds: requesters.map((r) => r.requesterId) }, null);
      await manager.query(`SELECT pg_notify($1, $2)`, [TICKET_CHANGES_CHANNEL, '[]']);
    });
  }

  private async publishSummaries(
    manager: EntityManager,
    by: { requesterIds?: string[]; userIds?: string[] },
    cause: string | null,
  ) {
    const summaries = await openTicketsOfUsers(manager, by);
    await enqueueOutbox(
      manager,
      summaries.map((s) => summary(this.openTicketsTopic, s.userId, s.openTicketIds, cause)),
    );
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

/**
 * The commit need not wait for its WAL flush: if Postgres loses the last commits in a crash, it loses the Kafka
 * offsets stored in them too, and the events are applied again. Exactly-once effect holds; commits get cheap.
 */
async function relaxDurability(manager: EntityManager) {
  await manager.query(`SET LOCAL synchronous_commit TO off`);
}

function summary(topic: string, userId: string, openTicketIds: string[], causeEventId: string | null) {
  const value: UserOpenTicketsChanged = {
    schemaVersion: 1,
    type: 'user.open_tickets_changed',
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    userId,
    openTicketIds,
    openCount: openTicketIds.length,
    causeEventId,
  };
  return { topic, key: userId, value };
}
