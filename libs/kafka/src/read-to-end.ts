import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { withDeadline } from './deadline';

/**
 * Every record of a topic from its start to the end it has when called, partition by partition in offset order:
 * a log replayed before deciding anything. Reads with a throw-away group, deleted afterwards.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  timeoutMs = 120_000,
): Promise<{ partition: number; message: KafkaMessage }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `read-to-end-${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(
      ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]),
    );
    const records: { partition: number; message: KafkaMessage }[] = [];
    if (remaining.size === 0) return records;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.run({
        eachBatch: async ({ batch }) => {
          const last = remaining.get(batch.partition);
          if (last === undefined) return;
          for (const message of batch.messages)
            if (BigInt(message.offset) <= last) records.push({ partition: batch.partition, message });
          if (BigInt(batch.lastOffset()) >= last) remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        },
      });
      await withDeadline(finished, timeoutMs, `reading ${topic} to its end`);
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return records;
  } finally {
    await admin.disconnect();
  }
}
