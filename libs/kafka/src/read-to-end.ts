import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { withDeadline } from './deadline';
import { isTransientFailure } from './failure';

/**
 * The records of a topic up to the end it has when called, partition by partition in offset order: all of them
 * (a log replayed before deciding anything), or the last `lastPerPartition` of each (what a producer that may
 * have died mid-send got written). Reads with a throw-away consumer group, deleted afterwards.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  options: { lastPerPartition?: number; timeoutMs?: number } = {},
): Promise<{ partition: number; message: KafkaMessage }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `read-to-end-${randomUUID()}`;
  try {
    const ends = (await endOffsets(admin, topic)).filter((p) => BigInt(p.high) > BigInt(p.low));
    const records: { partition: number; message: KafkaMessage }[] = [];
    if (ends.length === 0) return records;
    const last = new Map(ends.map((p) => [p.partition, BigInt(p.high) - 1n]));
    const first = new Map(
      ends.map((p) => {
        const from = BigInt(p.high) - BigInt(options.lastPerPartition ?? p.high);
        return [p.partition, from > BigInt(p.low) ? from : BigInt(p.low)];
      }),
    );
    const remaining = new Set(last.keys());
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.run({
        eachBatch: async ({ batch }) => {
          const end = last.get(batch.partition);
          if (end === undefined) return;
          const from = first.get(batch.partition)!;
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset >= from && offset <= end) records.push({ partition: batch.partition, message });
          }
          if (BigInt(batch.lastOffset()) >= end) remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        },
      });
      if (options.lastPerPartition !== undefined)
        for (const [partition, from] of first) consumer.seek({ topic, partition, offset: from.toString() });
      await withDeadline(finished, options.timeoutMs ?? 120_000, `reading ${topic} to its end`);
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return records;
  } finally {
    await admin.disconnect();
  }
}

/** A topic's offsets; leadership that is still settling (a new topic, a broker restart) is waited for. */
async function endOffsets(admin: Admin, topic: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!isTransientFailure(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
