import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { backOff } from 'exponential-backoff';
import type { Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { ContractViolation, DeadLetterReason, decode, type TopicDefinition } from '@ticketflow/contracts';
import type { EventProducer } from './producer';
import { deadLetterSender } from './dead-letter';
import { contextFromHeaders } from './trace-context';

export interface ConsumedEvent<T> {
  key: string | null;
  value: T;
  topic: string;
  partition: number;
  offset: string;
  headers: IHeaders;
}

export interface RetryPolicy {
  /** Attempts in all, the first included, before the message is dead-lettered. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 5_000 };

export interface EventConsumerOptions<S extends z.ZodType> {
  kafka: Kafka;
  groupId: string;
  topic: TopicDefinition<S>;
  handle: (event: ConsumedEvent<z.infer<S>>) => Promise<void>;
  /** Where undecodable messages and messages that failed every retry go, with reason headers. */
  deadLetters: EventProducer;
  retry?: RetryPolicy;
  fromBeginning?: boolean;
  /** Told about each dead letter (metrics). */
  onDeadLetter?: (reason: DeadLetterReason, error: string) => void;
}

export interface RunningConsumer {
  consumer: Consumer;
  stop(): Promise<void>;
}

const tracer = trace.getTracer('@ticketflow/kafka');

/**
 * Consumes one topic in a group with manual offset commits: an offset is committed only after its message was
 * handled or dead-lettered, so a crash re-delivers instead of losing. Handler failures are retried with
 * exponential backoff a bounded number of times, then the message goes to `<topic>.dlq` and the partition moves on.
 */
export async function runEventConsumer<S extends z.ZodType>(
  options: EventConsumerOptions<S>,
): Promise<RunningConsumer> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const consumer = options.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic.name, fromBeginning: options.fromBeginning ?? true });

  const deadLetter = deadLetterSender(options);

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      let lastHandled: string | undefined;
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const decoded = decodeMessage(options.topic, message);
        if (!decoded.ok) {
          await deadLetter(message, batch.partition, decoded.reason, decoded.error);
        } else {
          const event: ConsumedEvent<z.infer<S>> = {
            key: message.key?.toString() ?? null,
            value: decoded.value,
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            headers: message.headers ?? {},
          };
          const failure = await handleWithRetry(() => traced(event, () => options.handle(event)), retry);
          if (failure) await deadLetter(message, batch.partition, DeadLetterReason.processingFailed, failure);
        }
        resolveOffset(message.offset);
        lastHandled = message.offset;
        await heartbeat();
      }
      if (lastHandled !== undefined) {
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastHandled) + 1n).toString() },
        ]);
      }
    },
  });

  return {
    consumer,
    stop: async () => {
      await consumer.disconnect();
    },
  };
}

type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; error: string };

export function decodeMessage<S extends z.ZodType>(
  topic: TopicDefinition<S>,
  message: KafkaMessage,
): Decoded<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch (error) {
    return { ok: false, reason: DeadLetterReason.invalidJson, error: (error as Error).message };
  }
  try {
    return { ok: true, value: decode(topic, json) };
  } catch (error) {
    if (error instanceof ContractViolation)
      return { ok: false, reason: DeadLetterReason.schemaViolation, error: error.issues };
    throw error;
  }
}

/** Runs the handler until it succeeds or the policy's attempts are spent; returns the last error, if any. */
async function handleWithRetry(run: () => Promise<void>, policy: RetryPolicy): Promise<string | undefined> {
  try {
    await backOff(run, {
      numOfAttempts: policy.attempts,
      startingDelay: policy.initialDelayMs,
      maxDelay: policy.maxDelayMs,
      jitter: 'full',
    });
    return undefined;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

function traced<T>(event: ConsumedEvent<unknown>, run: () => Promise<T>): Promise<T> {
  const parent = contextFromHeaders(event.headers);
  const span = tracer.startSpan(
    `${event.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': event.topic,
        'messaging.kafka.destination.partition': event.partition,
        'messaging.kafka.message.offset': Number(event.offset),
      },
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await run();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
