import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { sleep } from './processes';

/**
 * Follows compacted topics from the beginning and keeps the latest value per key, as a consumer of them would
 * (each partition in order). Survives broker outages: a consumer that gives up is replaced.
 */
export class LatestWatcher {
  private readonly latest = new Map<string, Map<string, unknown>>();
  private consumer: Consumer | null = null;
  private stopped = false;
  private readonly groupId = `fault-suite-watch-${randomUUID()}`;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
    private readonly log: (line: string) => void,
  ) {
    for (const topic of topics) this.latest.set(topic, new Map());
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
      retry: { retries: 20 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.log(`  ! watcher crashed (${payload.error.message}); reconnecting`);
      void this.replace(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachMessage: async ({ topic, message }) => {
        const key = message.key?.toString('utf8');
        if (key === undefined) return;
        let value: unknown;
        try {
          value = message.value ? JSON.parse(message.value.toString('utf8')) : null;
        } catch {
          value = null;
        }
        this.latest.get(topic)!.set(key, value);
      },
    });
  }

  private async replace(old: Consumer) {
    await old.disconnect().catch(() => undefined);
    while (!this.stopped) {
      try {
        // Offsets were committed by the group: the replacement resumes there, latest values are kept.
        await this.start();
        return;
      } catch (error) {
        this.log(`  ! watcher reconnect failed (${(error as Error).message}); retrying`);
        await sleep(2_000);
      }
    }
  }

  value(topic: string, key: string): unknown {
    return this.latest.get(topic)!.get(key);
  }

  async stop(admin?: { deleteGroups(ids: string[]): Promise<unknown> }) {
    this.stopped = true;
    await this.consumer?.disconnect().catch(() => undefined);
    await admin?.deleteGroups([this.groupId]).catch(() => undefined);
  }
}
