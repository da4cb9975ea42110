import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { isTransientFailure } from './failure';

/**
 * The values of one header on the last `perPartition` records of every partition of a topic: what a producer that
 * may have died mid-send actually got written. Reads with a throw-away consumer group, deleted afterwards.
 */
export async function recentHeaderValues(
  kafka: Kafka,
  topic: string,
  header: string,
  perPartition: number,
  timeoutMs = 30_000,
): Promise<Set<string>> {
  const values = new Set<string>();
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `recent-headers-${randomUUID()}`;
  try {
    const ends = (await endOffsets(admin, topic)).filter((p) => BigInt(p.high) > BigInt(p.low));
    if (ends.length === 0) return values;
    const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high) - 1n]));
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const value = message.headers?.[header];
            if (value !== undefined) values.add(value.toString());
          }
          const last = remaining.get(batch.partition);
          if (last !== undefined && BigInt(batch.lastOffset()) >= last) remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        },
      });
      for (const p of ends) {
        const from = BigInt(p.high) - BigInt(perPartition);
        consumer.seek({
          topic,
          partition: p.partition,
          offset: (from > BigInt(p.low) ? from : BigInt(p.low)).toString(),
        });
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`reading the tail of ${topic} took over ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return values;
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
