import type { Kafka } from 'kafkajs';
import { readToEnd } from './read-to-end';

/**
 * The values of one header on the last `perPartition` records of every partition of a topic: what a producer that
 * may have died mid-send actually got written.
 */
export async function recentHeaderValues(
  kafka: Kafka,
  topic: string,
  header: string,
  perPartition: number,
  timeoutMs = 30_000,
): Promise<Set<string>> {
  const values = new Set<string>();
  for (const { message } of await readToEnd(kafka, topic, { lastPerPartition: perPartition, timeoutMs })) {
    const value = message.headers?.[header];
    if (value !== undefined) values.add(value.toString());
  }
  return values;
}
