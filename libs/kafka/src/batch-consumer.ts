import { SpanKind, context, trace, type Link } from '@opentelemetry/api';
import { backOff } from 'exponential-backoff';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { DeadLetterReason, type TopicDefinition } from '@ticketflow/contracts';
import { decodeMessage, type RetryPolicy, DEFAULT_RETRY } from './consumer';
import type { EventProducer } from './producer';
import { sendToDeadLetter } from './dead-letter';
import { contextFromHeaders } from './trace-context';

const tracer = trace.getTracer('@ticketflow/kafka');

export interface DecodedMessage<T> {
  offset: string;
  key: string | null;
  value: T;
  headers: KafkaMessage['headers'];
}

export interface PartitionBatch<T> {
  topic: string;
  partition: number;
  messages: DecodedMessage<T>[];
  /** Offset to resume from once this batch is applied (last offset + 1): store it with the batch's effects. */
  nextOffset: string;
}

export interface BatchConsumerOptions<S extends z.ZodType> {
  kafka: Kafka;
  groupId: string;
  topic: TopicDefinition<S>;
  deadLetters: EventProducer;
  /** Applies a batch and stores `nextOffset` in the same transaction. */
  handleBatch: (batch: PartitionBatch<z.infer<S>>) => Promise<void>;
  /** Offsets stored with the effects: where each assigned partition resumes, whatever Kafka has committed. */
  storedOffsets: (topic: string) => Promise<{ partition: number; nextOffset: string }[]>;
  retry?: RetryPolicy;
  onDeadLetter?: (reason: DeadLetterReason, error: string) => void;
  /** Told when a whole batch failed every retry and is retried message by message. */
  onBatchFailed?: (error: Error) => void;
  /** kafkajs fetch tuning: how much one batch may hold. */
  maxBytesPerPartition?: number;
}

/**
 * Exactly-once effect for projections: batches per partition, effects and next offset committed in one database
 * transaction by `handleBatch`; on (re)assignment each partition seeks to the stored offset. Kafka's own commit
 * follows the database's and only serves lag monitoring. A batch that keeps failing is applied one message at a
 * time so the poison message alone goes to the dead-letter topic.
 */
export async function runBatchConsumer<S extends z.ZodType>(
  options: BatchConsumerOptions<S>,
): Promise<{ consumer: Consumer; stop(): Promise<void> }> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic.name, fromBeginning: true });

  // Seek every assigned partition to the database's offset on each (re)assignment.
  consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
    const assigned = payload.memberAssignment[options.topic.name] ?? [];
    const stored = new Map(
      (await options.storedOffsets(options.topic.name)).map((o) => [o.partition, o.nextOffset]),
    );
    for (const partition of assigned) {
      const offset = stored.get(partition);
      if (offset !== undefined) consumer.seek({ topic: options.topic.name, partition, offset });
    }
  });

  const deadLetterContext = {
    producer: options.deadLetters,
    topic: options.topic.name,
    groupId: options.groupId,
    onDeadLetter: options.onDeadLetter,
  };
  const deadLetter = (message: KafkaMessage, partition: number, reason: DeadLetterReason, error: string) =>
    sendToDeadLetter(deadLetterContext, message, partition, reason, error);
  const attempt = (run: () => Promise<void>) =>
    backOff(run, {
      numOfAttempts: retry.attempts,
      startingDelay: retry.initialDelayMs,
      maxDelay: retry.maxDelayMs,
      jitter: 'full',
    });

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const decoded: DecodedMessage<z.infer<S>>[] = [];
      for (const message of batch.messages) {
        const result = decodeMessage(options.topic, message);
        if (result.ok)
          decoded.push({
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: result.value,
            headers: message.headers,
          });
        else await deadLetter(message, batch.partition, result.reason, result.error);
      }
      const last = batch.messages[batch.messages.length - 1]!.offset;
      const nextOffset = (BigInt(last) + 1n).toString();
      const whole = { topic: batch.topic, partition: batch.partition, messages: decoded, nextOffset };
      // One span per batch, linked to each message's producer span, so a webhook's trace leads to its projection.
      const links: Link[] = decoded.flatMap((m) => {
        const spanContext = trace.getSpanContext(contextFromHeaders(m.headers));
        return spanContext ? [{ context: spanContext }] : [];
      });
      const span = tracer.startSpan(`${batch.topic} process`, {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': batch.topic,
          'messaging.batch.message_count': decoded.length,
        },
      });
      try {
        await context.with(trace.setSpan(context.active(), span), () =>
          attempt(() => options.handleBatch(whole)),
        );
      } catch (error) {
        options.onBatchFailed?.(error as Error);
        // Isolate the poison message: one at a time, each with its own next offset.
        for (const message of decoded) {
          const single = {
            ...whole,
            messages: [message],
            nextOffset: (BigInt(message.offset) + 1n).toString(),
          };
          try {
            await attempt(() => options.handleBatch(single));
          } catch (error) {
            const raw = batch.messages.find((m) => m.offset === message.offset)!;
            await deadLetter(
              raw,
              batch.partition,
              DeadLetterReason.processingFailed,
              (error as Error).message,
            );
            await options.handleBatch({ ...single, messages: [] });
          }
          await heartbeat();
        }
      }
      span.end();
      resolveOffset(last);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: nextOffset }]);
      await heartbeat();
    },
  });
  return { consumer, stop: () => consumer.disconnect() };
}
