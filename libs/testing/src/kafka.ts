import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { brokersFromEnv, createKafka, ensureTopics, withDeadLetter } from '@ticketflow/kafka';
import type { TopicDefinition } from '@ticketflow/contracts';

export const testKafka = (clientId = 'test'): Kafka => createKafka({ brokers: brokersFromEnv(), clientId });

/** A unique suffix so each test has its own topics and consumer groups on the shared broker. */
export const uniqueSuffix = () => randomUUID().slice(0, 8);

/** The contract's topic under a test-unique name (and its dead-letter topic), created on the broker. */
export async function createTestTopic<T extends TopicDefinition>(
  admin: Admin,
  topic: T,
  suffix = uniqueSuffix(),
): Promise<T> {
  const own = { ...topic, name: `${topic.name}.test-${suffix}` };
  await ensureTopics(admin, withDeadLetter(own));
  return own;
}

/** Polls until the check returns a value other than undefined, or fails after the timeout. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError ?? new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface CollectedMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads a topic from the beginning with a fresh consumer group until `done` holds for what was read (or the
 * timeout passes, which fails). Returns everything read.
 */
export async function collectMessages(
  kafka: Kafka,
  topic: string,
  done: (messages: CollectedMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<CollectedMessage[]> {
  const messages: CollectedMessage[] = [];
  const consumer = kafka.consumer({ groupId: `collect-${uniqueSuffix()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = first.toString();
        }
        messages.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          headers,
          partition,
          offset: message.offset,
        });
      },
    });
    try {
      await eventually(() => (done(messages) ? true : undefined), timeoutMs);
    } catch {
      throw new Error(
        `read ${messages.length} messages from ${topic} in ${timeoutMs} ms without the condition holding`,
      );
    }
    return messages;
  } finally {
    await consumer.disconnect();
  }
}
