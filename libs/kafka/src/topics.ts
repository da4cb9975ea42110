import type { Admin } from 'kafkajs';
import { DeadLetterDefaults, deadLetterTopicOf } from '@ticketflow/contracts';

export interface TopicSpec {
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

/** The topic and its dead-letter topic, as the project creates them. */
export function withDeadLetter(topic: TopicSpec): TopicSpec[] {
  return [topic, { name: deadLetterTopicOf(topic.name), ...DeadLetterDefaults }];
}

/**
 * `min.insync.replicas` for a replication factor: with 3 or more replicas an acks=all write survives the loss of
 * one broker only if at least 2 had it; fewer replicas cannot require more than 1 and stay writable.
 */
export const minInsyncReplicasFor = (replicationFactor: number) => (replicationFactor >= 3 ? 2 : 1);

/**
 * Creates missing topics with explicit partitions and configs (auto-creation is off on our brokers);
 * `min.insync.replicas` follows the replication factor.
 * Existing topics are left as they are, except that fewer partitions than declared is an error: keys would
 * hash differently than the project assumes.
 */
export async function ensureTopics(admin: Admin, topics: TopicSpec[], replicationFactor = 1): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.name));
  if (missing.length) {
    await admin.createTopics({
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a new KRaft topic answers at first.
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor,
        configEntries: Object.entries({
          ...topic.configs,
          'min.insync.replicas': String(minInsyncReplicasFor(replicationFactor)),
        }).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitUntilServed(
      admin,
      missing.map((topic) => topic.name),
    );
  }
  const present = topics.filter((topic) => existing.has(topic.name));
  if (present.length) {
    const { topics: metadata } = await admin.fetchTopicMetadata({
      topics: present.map((topic) => topic.name),
    });
    for (const topic of present) {
      const found = metadata.find((m) => m.name === topic.name);
      if (found && found.partitions.length < topic.partitions) {
        throw new Error(
          `topic ${topic.name} has ${found.partitions.length} partitions, expected ${topic.partitions}`,
        );
      }
    }
  }
}

/** A new topic's partitions can take a moment to get a leader that serves them; wait until all have one. */
async function waitUntilServed(admin: Admin, names: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      if (
        topics.length === names.length &&
        topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      )
        return;
    } catch {
      // metadata not there yet
    }
    if (Date.now() > deadline)
      throw new Error(`topics not served within ${timeoutMs} ms: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
