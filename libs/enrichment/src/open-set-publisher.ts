import type { DataSource, EntityManager } from 'typeorm';
import { Headers, type TopicDefinition, type UserOpenTicketsChanged } from '@ticketflow/contracts';
import { traceContextOf, traceHeaders, type EventProducer } from '@ticketflow/kafka';
import { Rounds } from '@ticketflow/persistence';
import { openTicketsOfUsers } from './store';

/** How often a round waiting for an abandoned send says so (kafkajs: 9 attempts of up to 30 s each, backoff). */
const ABANDONED_SEND_REPORT_MS = 60_000;

/** What a projection transaction changed that may change someone's open set. */
export interface OpenSetChanges {
  ticketIds?: string[];
  requesterIds?: string[];
  userIds?: string[];
  causeEventId: string | null;
}

/**
 * Records, inside the projection's transaction, what changed. Marks name what was written, never the users it
 * seems to affect: which users a change reaches is decided by the publisher from committed state, so two
 * concurrent transactions can never each miss the other's rows.
 */
export async function markOpenSetChanges(manager: EntityManager, changes: OpenSetChanges): Promise<void> {
  const rows = [
    ...(changes.ticketIds ?? []).map((ticketId) => ({ ticketId })),
    ...(changes.requesterIds ?? []).map((requesterId) => ({ requesterId })),
    ...(changes.userIds ?? []).map((userId) => ({ userId })),
  ];
  if (rows.length === 0) return;
  // The trace of the change (the projection's span) continues in the open set it causes.
  await manager.query(
    `INSERT INTO open_set_changes (ticket_id, requester_id, user_id, cause_event_id, cause_traceparent)
     SELECT "ticketId", "requesterId", "userId", $2, $3 FROM jsonb_to_recordset($1::jsonb)
         AS r("ticketId" text, "requesterId" text, "userId" text)`,
    [JSON.stringify(rows), changes.causeEventId, traceHeaders()[Headers.traceparent] ?? null],
  );
}

/**
 * Publishes each user's open set to `user.open-tickets` whenever it differs from the last one published, computed
 * from committed state when the change marks are read (not inside the transactions that wrote them). One publisher
 * at a time per database (an advisory lock held by its transaction), so sets reach Kafka in the order they were
 * computed; every message carries a version from one sequence, which consumers use to ignore an older set.
 * A round's marks are deleted, and its sets recorded, only after Kafka acknowledged them; a send that was not
 * acknowledged may still have been appended, so its users are republished by the next round (open_sets_in_doubt).
 */
export class OpenSetPublisher {
  private readonly rounds: Rounds;

  constructor(
    private readonly db: DataSource,
    private readonly producer: Pick<EventProducer, 'publish' | 'quiesced'>,
    private readonly topic: TopicDefinition,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.rounds = new Rounds(() => this.flush(), { idleMs: 50, errorMs: 1_000, onError });
  }

  /** One round; returns how many change marks it consumed (0 too when another instance holds the lock). */
  async flush(limit = 1_000): Promise<number> {
    return this.db.transaction(async (manager) => {
      const [{ locked }]: { locked: boolean }[] = await manager.query(
        `SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.open_set_publisher')) AS locked`,
      );
      if (!locked) return 0;
      const marks: { id: string }[] = await manager.query(
        `SELECT id FROM open_set_changes ORDER BY id LIMIT $1`,
        [limit],
      );
      const inDoubt = new Set(
        ((await manager.query(`SELECT user_id FROM open_sets_in_doubt`)) as { user_id: string }[]).map(
          (r) => r.user_id,
        ),
      );
      if (marks.length === 0 && inDoubt.size === 0) return 0;
      const markIds = marks.map((m) => m.id);
      const reached = await usersReachedBy(manager, markIds);
      const userIds = [...new Set([...reached.keys(), ...inDoubt])];
      const current = new Map(
        (await openTicketsOfUsers(manager, userIds)).map((s) => [s.userId, s.openTicketIds]),
      );
      const published = new Map(
        (
          (await manager.query(
            `SELECT user_id, open_ticket_ids FROM published_open_sets WHERE user_id = ANY($1)`,
            [userIds],
          )) as { user_id: string; open_ticket_ids: string[] }[]
        ).map((r) => [r.user_id, r.open_ticket_ids]),
      );
      const changed: { userId: string; openTicketIds: string[] }[] = [];
      for (const userId of userIds) {
        // A user who is gone (or never existed) has no tickets; an empty set is published once.
        const now = current.get(userId) ?? (published.has(userId) || inDoubt.has(userId) ? [] : null);
        if (now === null || (sameSet(now, published.get(userId)) && !inDoubt.has(userId))) continue;
        changed.push({ userId, openTicketIds: now });
      }
      if (changed.length) {
        const versions: { v: string }[] = await manager.query(
          `SELECT nextval('open_set_version')::text AS v FROM generate_series(1, $1)`,
          [changed.length],
        );
        const occurredAt = new Date().toISOString();
        const events: UserOpenTicketsChanged[] = changed.map((c, i) => ({
          schemaVersion: 1,
          type: 'user.open_tickets_changed',
          eventId: `${c.userId}:${versions[i]!.v}`,
          occurredAt,
          userId: c.userId,
          openTicketIds: c.openTicketIds,
          openCount: c.openTicketIds.length,
          version: Number(versions[i]!.v),
          causeEventId: reached.get(c.userId)?.eventId ?? null,
        }));
        // Committed before the send (on its own connection): if Kafka appends a set this transaction never
        // records (a timeout, a crash), whoever publishes next republishes the user's current set after it.
        const changedIds = changed.map((c) => c.userId);
        await this.db.query(
          `INSERT INTO open_sets_in_doubt (user_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
          [changedIds],
        );
        try {
          await this.producer.publish(
            this.topic,
            events.map((value) => ({
              key: value.userId,
              value,
              parent: traceContextOf(reached.get(value.userId)?.traceparent ?? null),
            })),
          );
        } catch (error) {
          // A send past its deadline keeps retrying inside kafkajs and may still append: this round, and the lock
          // it holds, end only once it settled, so the next round's republish lands after it.
          // kafkajs' retries are finite; no round publishes meanwhile (the backlog metrics show it).
          for (let waited = 1; !(await this.producer.quiesced(ABANDONED_SEND_REPORT_MS)); waited++)
            this.onError(
              new Error(
                `an abandoned send unsettled after ${(waited * ABANDONED_SEND_REPORT_MS) / 1000} s; still waiting for it`,
              ),
            );
          throw error;
        }
        await manager.query(
          `INSERT INTO published_open_sets (user_id, open_ticket_ids, version)
           SELECT "userId", ARRAY(SELECT jsonb_array_elements_text("openTicketIds")), version
             FROM jsonb_to_recordset($1::jsonb) AS r("userId" text, "openTicketIds" jsonb, version bigint)
           ON CONFLICT (user_id) DO UPDATE SET open_ticket_ids = EXCLUDED.open_ticket_ids,
             version = EXCLUDED.version, published_at = now()`,
          [JSON.stringify(events)],
        );
        await manager.query(`DELETE FROM open_sets_in_doubt WHERE user_id = ANY($1)`, [changedIds]);
      }
      await manager.query(`DELETE FROM open_set_changes WHERE id = ANY($1)`, [markIds]);
      return markIds.length + inDoubt.size;
    });
  }

  /** Publishes in the background until `stop()`. */
  start(): void {
    this.rounds.start();
  }

  /** Marks were just committed in this process: publish now, not after the idle pause. */
  wake(): void {
    this.rounds.wake();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** Marks not yet published: how far the published sets are behind the read models. */
  async pending(): Promise<{ marks: number; oldestSeconds: number }> {
    const [row]: { n: number; age: number | null }[] = await this.db.query(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS age FROM open_set_changes`,
    );
    return { marks: row!.n, oldestSeconds: row!.age ?? 0 };
  }
}

/**
 * The users whose open set the marks may have changed, each with the cause of the latest mark reaching them:
 * a ticket's or requester's current owners by email, and whoever's published set still holds that ticket (or one
 * of that requester's tickets), which is how a user loses a ticket that moved away.
 */
async function usersReachedBy(
  manager: EntityManager,
  markIds: string[],
): Promise<Map<string, { eventId: string | null; traceparent: string | null }>> {
  const rows: { user_id: string; cause_event_id: string | null; cause_traceparent: string | null }[] =
    await manager.query(
      `WITH m AS (SELECT * FROM open_set_changes WHERE id = ANY($1)),
          reached AS (
            SELECT m.id, m.user_id FROM m WHERE m.user_id IS NOT NULL
            UNION ALL
            SELECT m.id, u.user_id FROM m
              JOIN tickets t ON t.ticket_id = m.ticket_id
              JOIN zendesk_requesters r ON r.requester_id = t.requester_id
              JOIN company_users u ON u.email_normalized = r.email_normalized
            UNION ALL
            SELECT m.id, p.user_id FROM m JOIN published_open_sets p ON p.open_ticket_ids @> ARRAY[m.ticket_id]
            UNION ALL
            SELECT m.id, u.user_id FROM m
              JOIN zendesk_requesters r ON r.requester_id = m.requester_id
              JOIN company_users u ON u.email_normalized = r.email_normalized
            UNION ALL
            SELECT m.id, p.user_id FROM m JOIN published_open_sets p
              ON p.open_ticket_ids && ARRAY(SELECT ticket_id FROM tickets WHERE requester_id = m.requester_id)
             WHERE m.requester_id IS NOT NULL)
     SELECT DISTINCT ON (reached.user_id) reached.user_id, m.cause_event_id, m.cause_traceparent
       FROM reached JOIN m ON m.id = reached.id
      ORDER BY reached.user_id, reached.id DESC`,
      [markIds],
    );
  return new Map(
    rows.map((r) => [r.user_id, { eventId: r.cause_event_id, traceparent: r.cause_traceparent }]),
  );
}

function sameSet(a: string[], b: string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);
}
