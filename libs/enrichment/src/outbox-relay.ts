import type { DataSource } from 'typeorm';
import { Topics, encode } from '@ticketflow/contracts';
import type { EventProducer } from '@ticketflow/kafka';

/**
 * Publishes outbox rows in insertion order and deletes them once Kafka acknowledged (at least once; consumers get
 * state, not deltas, so a repeat is harmless). `SKIP LOCKED` lets several instances share the work.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly producer: EventProducer,
    private readonly topicName = Topics.userOpenTickets.name,
  ) {}

  /** Publishes what is pending; returns how many rows it published. */
  async flush(limit = 500): Promise<number> {
    return this.db.transaction(async (manager) => {
      const rows: { id: string; key: string; value: unknown }[] = await manager.query(
        `SELECT id, key, value FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await this.producer.sendRaw(
        this.topicName,
        rows.map((row) => ({
          key: row.key,
          value: encode(Topics.userOpenTickets, row.value as never),
          headers: { 'event-type': 'user.open_tickets_changed', 'schema-version': '1' },
        })),
      );
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
