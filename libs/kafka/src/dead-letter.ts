import type { IHeaders, KafkaMessage } from 'kafkajs';
import { Headers, deadLetterTopicOf, type DeadLetterReason } from '@ticketflow/contracts';
import type { EventProducer } from './producer';

export interface DeadLetterContext {
  producer: EventProducer;
  topic: string;
  groupId: string;
  onDeadLetter?: (reason: DeadLetterReason, error: string) => void;
}

/**
 * Sends a message, unchanged (key, value, original headers), to `<topic>.dlq` with why and where it failed.
 * Resolves once Kafka acknowledged, so the caller may then move past the message.
 */
export async function sendToDeadLetter(
  context: DeadLetterContext,
  message: KafkaMessage,
  partition: number,
  reason: DeadLetterReason,
  error: string,
): Promise<void> {
  context.onDeadLetter?.(reason, error);
  await context.producer.sendRaw(deadLetterTopicOf(context.topic), [
    {
      key: message.key,
      value: message.value,
      headers: {
        ...stringHeaders(message.headers),
        [Headers.dlqReason]: reason,
        [Headers.dlqError]: error.slice(0, 2_000),
        [Headers.dlqOriginalTopic]: context.topic,
        [Headers.dlqOriginalPartition]: String(partition),
        [Headers.dlqOriginalOffset]: message.offset,
        [Headers.dlqConsumerGroup]: context.groupId,
        [Headers.dlqFailedAt]: new Date().toISOString(),
      },
    },
  ]);
}

/** A consumer's dead-letter sender: its producer, topic and group bound once. */
export interface DeadLetterOptions {
  deadLetters: EventProducer;
  topic: { name: string };
  groupId: string;
  onDeadLetter?: (reason: DeadLetterReason, error: string) => void;
}

export function deadLetterSender(options: DeadLetterOptions) {
  const context: DeadLetterContext = {
    producer: options.deadLetters,
    topic: options.topic.name,
    groupId: options.groupId,
    onDeadLetter: options.onDeadLetter,
  };
  return (message: KafkaMessage, partition: number, reason: DeadLetterReason, error: string) =>
    sendToDeadLetter(context, message, partition, reason, error);
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = first;
  }
  return out;
}
