import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { inPartitionOrder } from './checks';
import type { AuditUser, TopicRecord } from './model';

const parse = (value: Buffer | null): unknown => {
  if (value === null) return null;
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
};

export function auditorKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'ticketflow-auditor', brokers, logLevel: logLevel.NOTHING });
}

/** End offsets of the topics that exist (absent topics are simply empty). */
async function endOffsets(admin: Admin, topics: string[]): Promise<Map<string, Map<number, bigint>>> {
  const existing = new Set(await admin.listTopics());
  const ends = new Map<string, Map<number, bigint>>();
  for (const topic of topics) {
    if (!existing.has(topic)) {
      ends.set(topic, new Map());
      continue;
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(
      topic,
      new Map(
        offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
      ),
    );
  }
  return ends;
}

/**
 * Every record of the topics from the beginning to the end offsets taken when the read starts, with a throwaway
 * consumer group that is deleted afterwards.
 */
export async function readTopics(
  kafka: Kafka,
  topics: string[],
  timeoutMs = 120_000,
): Promise<Map<string, TopicRecord[]>> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `ticketflow-auditor-${randomUUID()}`;
  const records = new Map<string, TopicRecord[]>(topics.map((t) => [t, []]));
  try {
    const ends = await endOffsets(admin, topics);
    const remaining = new Set<string>();
    for (const [topic, partitions] of ends) for (const p of partitions.keys()) remaining.add(`${topic}/${p}`);
    if (remaining.size === 0) return records;
    const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, maxWaitTimeInMs: 500 });
    await consumer.connect();
    try {
      let resolveDone!: () => void;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      await consumer.subscribe({
        topics: [...ends.keys()].filter((t) => ends.get(t)!.size > 0),
        fromBeginning: true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.topic)!.get(batch.partition);
          if (end === undefined) return;
          const list = records.get(batch.topic)!;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break;
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(m.headers ?? {})) {
              const first = Array.isArray(value) ? value[0] : value;
              if (first !== undefined) headers[name] = first.toString();
            }
            list.push({
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? null,
              value: parse(m.value),
              headers,
            });
          }
          // Compaction may leave gaps, so the batch's last offset (not a record count) tells where we are.
          if (BigInt(batch.lastOffset()) + 1n >= end) {
            remaining.delete(`${batch.topic}/${batch.partition}`);
            if (remaining.size === 0) resolveDone();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`reading ${topics.join(', ')}: ${remaining.size} partitions not read to the end`),
            ),
          timeoutMs,
        );
      });
      await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
    }
    // Duplicates of a record are impossible within one read, but a rebalance can re-deliver a batch.
    for (const [topic, list] of records) {
      const seen = new Set<string>();
      records.set(
        topic,
        list.filter((r) => {
          const id = `${r.partition}@${r.offset}`;
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        }),
      );
    }
    return records;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The company users as published on the user events topic (latest record per key; deleted ones removed). */
export function usersOf(records: TopicRecord[]): AuditUser[] {
  const users = new Map<string, AuditUser>();
  for (const r of inPartitionOrder(records)) {
    const v = r.value as { type?: unknown; userId?: unknown; email?: unknown } | null;
    if (typeof v?.userId !== 'string') continue;
    if (v.type === 'user.upserted' && typeof v.email === 'string')
      users.set(v.userId, { userId: v.userId, email: v.email });
    else if (v.type === 'user.deleted') users.delete(v.userId);
  }
  return [...users.values()].sort((a, b) => a.userId.localeCompare(b.userId));
}

/** Dead-letter topics with their records' reasons (dlq-reason: dlq-error), counted. */
export async function deadLetters(
  kafka: Kafka,
  topics: string[],
): Promise<{ topic: string; records: number; reasons: string[] }[]> {
  const records = await readTopics(kafka, topics);
  return topics.map((topic) => {
    const list = records.get(topic) ?? [];
    const reasons = new Map<string, number>();
    for (const r of list) {
      const reason = `${r.headers?.['dlq-reason'] ?? '?'}: ${(r.headers?.['dlq-error'] ?? '').slice(0, 160)}`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    return { topic, records: list.length, reasons: [...reasons].map(([reason, n]) => `${n}× ${reason}`) };
  });
}
