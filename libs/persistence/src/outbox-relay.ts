import type { DataSource, EntityManager } from 'typeorm';
import { Headers, encode, type TopicDefinition } from '@ticketflow/contracts';
import type { EventProducer } from '@ticketflow/kafka';

/**
 * Publishes outbox rows in insertion order and deletes them once Kafka acknowledged (at least once; consumers get
 * state, not deltas, so a repeat is harmless). `SKIP LOCKED` lets several instances share the work.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  private readonly topics: Map<string, TopicDefinition>;

  /** `topics`: the topics rows may name, each validated against its contract before it is sent. */
  constructor(
    private readonly db: DataSource,
    private readonly producer: EventProducer,
    topics: TopicDefinition[],
  ) {
    this.topics = new Map(topics.map((topic) => [topic.name, topic]));
  }

  /** Publishes what is pending; returns how many rows it published. */
  async flush(limit = 500): Promise<number> {
    return this.db.transaction(async (manager) => {
      const rows: { id: string; topic: string; key: string; value: { type?: string } }[] =
        await manager.query(
          `SELECT id, topic, key, value FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [limit],
        );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, typeof rows>();
      for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
      for (const [name, group] of byTopic) {
        const topic = this.topics.get(name);
        if (!topic) throw new Error(`outbox row for unknown topic ${name}`);
        await this.producer.sendRaw(
          name,
          group.map((row) => ({
            key: row.key,
            value: encode(topic, row.value as never),
            headers: { [Headers.eventType]: row.value.type ?? '', [Headers.schemaVersion]: '1' },
          })),
        );
      }
      await manager.query(`DELETE FROM outbox WHERE id = ANY($1)`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  start(intervalMs = 100) {
    this.stopped = false;
    const tick = async () => {
      this.running = this.flush().catch(() => 0);
      const published = await this.running;
      if (!this.stopped) this.timer = setTimeout(tick, published > 0 ? 0 : intervalMs);
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

/** Queues messages for the relay, inside the caller's transaction (the transactional outbox). */
export async function enqueueOutbox(
  manager: EntityManager,
  messages: { topic: string; key: string; value: unknown }[],
): Promise<void> {
  if (messages.length === 0) return;
  await manager.query(
    `INSERT INTO outbox (topic, key, value) SELECT topic, key, value FROM jsonb_to_recordset($1::jsonb) AS r(topic text, key text, value jsonb)`,
    [JSON.stringify(messages)],
  );
}
