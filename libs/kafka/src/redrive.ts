import type { Kafka } from 'kafkajs';
import { Headers, deadLetterTopicOf } from '@ticketflow/contracts';
import type { EventProducer } from './producer';

export interface RedriveOptions {
  /** The source topic whose dead letters go back to it. */
  topic: string;
  /** Only dead letters with this `dlq-reason` (e.g. processing-failed after a fix); all when absent. */
  reason?: string;
  onProgress?: (progress: { read: number; moved: number; total: number }) => void;
}

/**
 * Moves dead letters back to their topic (key, value and original headers; the dlq-* headers dropped), up to the
 * dead-letter topic's end at the start. Its consumer group remembers how far it got, so running it again moves only
 * what arrived since; a crash mid-way moves some again, which projections absorb (they apply each event id once).
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  producer: EventProducer,
  options: RedriveOptions,
): Promise<{ read: number; moved: number }> {
  const dlq = deadLetterTopicOf(options.topic);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `ticketflow-redrive.${options.topic}`;
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(dlq),
    admin.fetchOffsets({ groupId, topics: [dlq] }),
  ]);
  await admin.disconnect();
  const from = new Map(
    (committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? -1n : BigInt(p.offset)]),
  );
  const remaining = new Map<number, bigint>();
  let total = 0;
  for (const p of ends) {
    const start = from.get(p.partition) ?? -1n;
    const begin = start >= 0n ? start : BigInt(p.low);
    if (BigInt(p.high) > begin) {
      remaining.set(p.partition, BigInt(p.high));
      total += Number(BigInt(p.high) - begin);
    }
  }
  const counts = { read: 0, moved: 0 };
  if (remaining.size === 0) return counts;

  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = remaining.get(batch.partition);
        const messages = batch.messages.filter((m) => end !== undefined && BigInt(m.offset) < end);
        const back = messages.filter(
          (m) => !options.reason || m.headers?.[Headers.dlqReason]?.toString() === options.reason,
        );
        const byTopic = new Map<string, typeof back>();
        for (const m of back) {
          const target = m.headers?.[Headers.dlqOriginalTopic]?.toString() ?? options.topic;
          byTopic.set(target, [...(byTopic.get(target) ?? []), m]);
        }
        for (const [target, group] of byTopic)
          await producer.sendRaw(
            target,
            group.map((m) => ({ key: m.key, value: m.value, headers: withoutDeadLetterHeaders(m.headers) })),
          );
        counts.read += messages.length;
        counts.moved += back.length;
        options.onProgress?.({ ...counts, total });
        const last = messages.at(-1);
        if (last) {
          const next = BigInt(last.offset) + 1n;
          await consumer.commitOffsets([{ topic: dlq, partition: batch.partition, offset: next.toString() }]);
          if (end !== undefined && next >= end) remaining.delete(batch.partition);
        }
        if (remaining.size === 0) finish();
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return counts;
}

function withoutDeadLetterHeaders(
  headers: Record<string, unknown> | undefined,
): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.startsWith('dlq-')) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' || Buffer.isBuffer(first)) out[key] = first;
  }
  return out;
}
