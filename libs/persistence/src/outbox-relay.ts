import type { DataSource, EntityManager } from 'typeorm';
import { Headers, encode, type TopicDefinition } from '@ticketflow/contracts';
import {
  sendTraced,
  traceContextOf,
  traceHeaders,
  withDeadline,
  type EventProducer,
} from '@ticketflow/kafka';
import { Rounds } from './rounds';

export interface OutboxRelayHooks {
  /** A round failed (Kafka or Postgres away): it is retried, nothing is lost. */
  onError?: (error: Error) => void;
  /** A row that can never be sent (unknown topic, contract violation) was set aside. */
  onQuarantine?: (row: { id: string; topic: string }, reason: string) => void;
  /**
   * The `outbox-id` header values among the last `perPartition` records of each partition of a topic. Given, rows
   * that a relay began to send before it died are checked against it and sent only if they are not there: each row
   * reaches Kafka once. Without it, such rows are sent again (at least once).
   */
  published?: (topic: string, perPartition: number) => Promise<Set<string>>;
}

/** Header naming the outbox row a record was sent from. */
export const OUTBOX_ID_HEADER = 'outbox-id';

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: { type?: string };
  /** W3C trace context of the transaction that enqueued the row (null on rows of earlier releases). */
  headers: { traceparent?: string } | null;
  attempted: boolean;
}

/**
 * Publishes outbox rows in id order and deletes them once Kafka acknowledged (at least once; consumers get state
 * or events with stable ids). One relay at a time per database (an advisory lock held by the round's transaction),
 * so rows of one key reach Kafka in the order their transactions committed them. A row that can never be sent is
 * quarantined with its reason and the rest keeps flowing.
 */
export class OutboxRelay {
  private readonly topics: Map<string, TopicDefinition>;
  private readonly rounds: Rounds;

  /** `topics`: the topics rows may name, each validated against its contract before it is sent. */
  constructor(
    private readonly db: DataSource,
    private readonly producer: EventProducer,
    topics: TopicDefinition[],
    private readonly hooks: OutboxRelayHooks = {},
  ) {
    this.topics = new Map(topics.map((topic) => [topic.name, topic]));
    this.rounds = new Rounds(() => this.flush(), { idleMs: 50, errorMs: 1_000, onError: hooks.onError });
  }

  /**
   * Publishes what is pending; returns how many rows it dealt with (published, found already published, or
   * quarantined): 0 when none is pending or another relay holds the lock.
   */
  async flush(limit = 500): Promise<number> {
    const started = Date.now();
    const watchdog = setInterval(
      () =>
        this.hooks.onError?.(
          new Error(`relay round at "${this.step}" for ${Math.round((Date.now() - started) / 1000)} s`),
        ),
      20_000,
    );
    try {
      return await this.round(limit);
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Where the round in progress is, for the watchdog's message. */
  private step = 'idle';

  private async round(limit: number): Promise<number> {
    this.step = 'begin';
    return this.db.transaction(async (manager) => {
      const [{ locked }]: { locked: boolean }[] = await manager.query(
        `SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox_relay')) AS locked`,
      );
      if (!locked) return 0;
      let rows: OutboxRow[] = await manager.query(
        `SELECT id, topic, key, value, headers, attempted_at IS NOT NULL AS attempted FROM outbox
          WHERE quarantined_at IS NULL ORDER BY id LIMIT $1`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const handled = rows.length;
      if (this.hooks.published && rows.some((r) => r.attempted)) {
        this.step = 'reading what a dead round sent';
        const alreadySent = await this.alreadySent(rows, limit);
        await manager.query(`DELETE FROM outbox WHERE id = ANY($1)`, [[...alreadySent]]);
        rows = rows.filter((r) => !alreadySent.has(r.id));
      }
      const sendable: { row: OutboxRow; value: Buffer }[] = [];
      for (const row of rows) {
        const topic = this.topics.get(row.topic);
        try {
          if (!topic) throw new Error(`no topic ${row.topic} is relayed from this outbox`);
          sendable.push({ row, value: encode(topic, row.value as never) });
        } catch (error) {
          await quarantine(manager, row, (error as Error).message);
          this.hooks.onQuarantine?.(row, (error as Error).message);
        }
      }
      // Committed before the send, outside this transaction: if this round dies, the next one knows to check.
      this.step = 'marking rows attempted';
      await this.db.query(`UPDATE outbox SET attempted_at = now() WHERE id = ANY($1)`, [
        sendable.map((s) => s.row.id),
      ]);
      const byTopic = new Map<string, typeof sendable>();
      for (const item of sendable)
        byTopic.set(item.row.topic, [...(byTopic.get(item.row.topic) ?? []), item]);
      this.step = 'sending';
      for (const [name, group] of byTopic) {
        // Each message continues the trace of the transaction that enqueued it.
        await sendTraced(
          name,
          group.map(({ row }) => traceContextOf(row.headers?.traceparent ?? null)),
          (trace) =>
            this.producer.sendRaw(
              name,
              group.map(({ row, value }, i) => ({
                key: row.key,
                value,
                headers: {
                  ...trace[i],
                  [Headers.eventType]: row.value.type ?? '',
                  [Headers.schemaVersion]: '1',
                  [OUTBOX_ID_HEADER]: row.id,
                },
              })),
            ),
        );
      }
      this.step = 'deleting sent rows';
      await manager.query(`DELETE FROM outbox WHERE id = ANY($1)`, [sendable.map((s) => s.row.id)]);
      this.step = 'committing';
      return handled;
    });
  }

  /** Rows a dead round began to send that did reach Kafka (a round sends at most `limit` rows). */
  private async alreadySent(rows: OutboxRow[], limit: number): Promise<Set<string>> {
    const found = new Set<string>();
    for (const topic of new Set(rows.filter((r) => r.attempted).map((r) => r.topic))) {
      // Bounded: the round holds the relay lock, which no other instance can take meanwhile.
      const ids = await withDeadline(
        this.hooks.published!(topic, limit),
        60_000,
        `reading the tail of ${topic}`,
      );
      for (const row of rows) if (row.attempted && row.topic === topic && ids.has(row.id)) found.add(row.id);
    }
    return found;
  }

  /** Age of the oldest row waiting to be published (0 when none): a relay that stalls shows here. */
  async oldestPendingSeconds(): Promise<number> {
    const [row]: { age: number | null }[] = await this.db.query(
      `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM outbox WHERE quarantined_at IS NULL`,
    );
    return row?.age ?? 0;
  }

  /** Relays in the background until `stop()`. */
  start(): void {
    this.rounds.start();
  }

  /** Rows were just committed in this process: relay them now, not after the idle pause. */
  wake(): void {
    this.rounds.wake();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }
}

async function quarantine(manager: EntityManager, row: OutboxRow, reason: string) {
  await manager.query(`UPDATE outbox SET quarantined_at = now(), error = $2 WHERE id = $1`, [
    row.id,
    reason.slice(0, 2_000),
  ]);
}

/** Queues messages for the relay, inside the caller's transaction (the transactional outbox). */
export async function enqueueOutbox(
  manager: EntityManager,
  messages: { topic: string; key: string; value: unknown }[],
): Promise<void> {
  if (messages.length === 0) return;
  // The enqueuing transaction's trace (e.g. alerting's decision) continues in the relayed message.
  await manager.query(
    `INSERT INTO outbox (topic, key, value, headers)
     SELECT topic, key, value, $2::jsonb FROM jsonb_to_recordset($1::jsonb) AS r(topic text, key text, value jsonb)`,
    [JSON.stringify(messages), JSON.stringify(traceHeaders())],
  );
}
