import { SpanKind, context, trace, type Link } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { DeadLetterReason, type TopicDefinition } from '@ticketflow/contracts';
import { decodeMessage, type RetryPolicy, DEFAULT_RETRY } from './consumer';
import type { EventProducer } from './producer';
import { deadLetterSender } from './dead-letter';
import { isTransientFailure } from './failure';
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
  /** Offset of the first record fetched for this batch (decodable or not). */
  firstOffset: string;
  /** Offset to resume from once this batch is applied (last offset + 1): store it with the batch's effects. */
  nextOffset: string;
  /**
   * Where this consumer last positioned the partition after an `OffsetGap`, if it did: a batch that starts beyond
   * that offset skips records the log itself no longer has (compaction), not records this consumer missed.
   */
  resumedFrom: string | null;
}

/**
 * Thrown by a handler whose stored offset is below the batch's first offset: the consumer fetched from a position
 * other than the one the effects were stored with. The consumer seeks back to `expected` and drops the batch.
 */
export class OffsetGap extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly expected: string,
    got: string,
  ) {
    super(`${topic}[${partition}]: stored offset ${expected}, batch starts at ${got}`);
    this.name = 'OffsetGap';
  }
}

export interface BatchConsumerOptions<S extends z.ZodType> {
  kafka: Kafka;
  groupId: string;
  topic: TopicDefinition<S>;
  deadLetters: EventProducer;
  /** Applies a batch and stores `nextOffset` in the same transaction, fenced against its stored offset. */
  handleBatch: (batch: PartitionBatch<z.infer<S>>) => Promise<void>;
  /** Bounds the attempts at a batch that fails deterministically; availability failures are retried forever. */
  retry?: RetryPolicy;
  onDeadLetter?: (reason: DeadLetterReason, error: string) => void;
  /** Told when a whole batch failed every retry and is retried message by message. */
  onBatchFailed?: (error: Error) => void;
  /** Told of each availability failure while it is being waited out. */
  onTransientFailure?: (error: Error) => void;
  /** Told when the kafkajs consumer crashed and is being replaced. */
  onRestart?: (error: Error) => void;
  /** kafkajs fetch tuning: how much one batch may hold. */
  maxBytesPerPartition?: number;
  /**
   * How many partitions' batches are applied at once (one partition's batches always in order). Above 1 the
   * database applies one batch while the next is decoded; `handleBatch` must then lock shared rows in a stable order.
   */
  partitionsConsumedConcurrently?: number;
}

export interface RunningBatchConsumer {
  /** False while the consumer is down (crashed and not yet rejoined) or stopped: readiness reports it. */
  isRunning(): boolean;
  stop(): Promise<void>;
}

/**
 * Exactly-once effect for projections: batches per partition, effects and next offset committed in one database
 * transaction by `handleBatch`, which refuses a batch that does not start where the stored offset says (the
 * consumer then seeks there). Kafka's own commit follows the database's and only serves lag monitoring.
 * A batch that keeps failing deterministically is applied one message at a time so the poison message alone goes to
 * the dead-letter topic; a database or broker that is away is waited for, without limit. A consumer that kafkajs
 * gives up on is replaced, so a partition never stays unconsumed.
 */
export async function runBatchConsumer<S extends z.ZodType>(
  options: BatchConsumerOptions<S>,
): Promise<RunningBatchConsumer> {
  let stopped = false;
  let consumer: Consumer | null = null;
  let up = false;
  let restartTimer: NodeJS.Timeout | null = null;

  const start = async (): Promise<void> => {
    const current = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: 100,
      // A member killed without leaving holds its partitions (and any rebalance) until its session expires.
      sessionTimeout: 10_000,
      rebalanceTimeout: 20_000,
      heartbeatInterval: 1_000,
    });
    consumer = current;
    current.on(current.events.CRASH, ({ payload }) => {
      up = false;
      // kafkajs restarts itself after retriable errors; after any other, it has stopped for good.
      if (!payload.restart && !stopped) restart(payload.error);
    });
    current.on(current.events.GROUP_JOIN, () => {
      up = true;
      // A new generation: partitions may have moved and come back, so no position is known any more.
      positioned.clear();
      uncommitted.clear();
    });
    try {
      await current.connect();
      await current.subscribe({ topic: options.topic.name, fromBeginning: true });
      await current.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => processBatch(current, payload),
      });
    } catch (error) {
      await current.disconnect().catch(() => undefined);
      throw error;
    }
  };
  /** A new kafkajs consumer in a second, and again until one runs (the broker may be down meanwhile). */
  const restart = (error: Error) => {
    options.onRestart?.(error);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (!stopped) start().catch(restart);
    }, 1_000);
  };

  // Where each partition was last positioned (after a batch or an OffsetGap), within one group generation.
  const positioned = new Map<number, string>();

  // Kafka's committed offsets only serve outside lag monitors and the first fetch after a restart (the database's
  // offsets decide what is applied): committed at most once a second, not awaited by every batch as a broker round
  // trip of its own.
  const uncommitted = new Map<number, string>();
  let commitTimer: NodeJS.Timeout | null = null;
  /** Commits what is pending through the live consumer (one that crashed meanwhile was replaced). */
  const commitNow = () => {
    if (commitTimer) clearTimeout(commitTimer);
    commitTimer = null;
    const offsets = [...uncommitted].map(([partition, offset]) => ({
      topic: options.topic.name,
      partition,
      offset,
    }));
    uncommitted.clear();
    // A commit refused after a rebalance is harmless: the partition's new owner commits its own.
    return offsets.length && consumer
      ? consumer.commitOffsets(offsets).catch(() => undefined)
      : Promise.resolve();
  };
  const commitSoon = (partition: number, offset: string) => {
    uncommitted.set(partition, offset);
    commitTimer ??= setTimeout(() => void commitNow(), 1_000);
  };
  const retry = options.retry ?? DEFAULT_RETRY;
  const deadLetter = deadLetterSender(options);

  /**
   * Errors of the group, not of the handler (a rebalance, a new generation, a broker away): thrown back to kafkajs,
   * never taken for a poison message.
   */
  const fromKafka = new WeakSet<object>();
  const beat = async (heartbeat: EachBatchPayload['heartbeat']) => {
    try {
      await heartbeat();
    } catch (error) {
      if (error instanceof Object) fromKafka.add(error);
      throw error;
    }
  };
  /** Only a failure of the handler itself that is not transient may dead-letter a message. */
  const isDeterministic = (error: unknown, isRunning: () => boolean) =>
    !(error instanceof OffsetGap) &&
    !fromKafka.has(error as object) &&
    isRunning() &&
    !isTransientFailure(error);

  /** Runs `apply` until it succeeds: availability failures forever (heartbeating), others `retry.attempts` times. */
  const untilApplied = async (
    apply: () => Promise<void>,
    { heartbeat, isRunning }: Pick<EachBatchPayload, 'heartbeat' | 'isRunning'>,
  ) => {
    let failures = 0;
    let delay = retry.initialDelayMs;
    for (;;) {
      try {
        return await apply();
      } catch (error) {
        if (error instanceof OffsetGap || !isRunning()) throw error;
        if (isTransientFailure(error)) options.onTransientFailure?.(error as Error);
        else if (++failures >= retry.attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * delay));
        delay = Math.min(delay * 2, retry.maxDelayMs);
        await beat(heartbeat);
      }
    }
  };

  const processBatch = async (current: Consumer, payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
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
    const firstOffset = batch.messages[0]!.offset;
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const nextOffset = (BigInt(last) + 1n).toString();
    const whole: PartitionBatch<z.infer<S>> = {
      topic: batch.topic,
      partition: batch.partition,
      messages: decoded,
      firstOffset,
      nextOffset,
      resumedFrom: positioned.get(batch.partition) ?? null,
    };
    // One span per batch: a child of its first message's producer span (a single change is one trace from webhook
    // to alert), linked to every message's, so each webhook's trace leads to the batch that applied it.
    const parents = decoded.map((m) => contextFromHeaders(m.headers));
    const links: Link[] = parents.flatMap((parent) => {
      const spanContext = trace.getSpanContext(parent);
      return spanContext ? [{ context: spanContext }] : [];
    });
    const parent = parents.find((p) => trace.getSpanContext(p)) ?? context.active();
    const span = tracer.startSpan(
      `${batch.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': batch.topic,
          'messaging.destination.partition.id': String(batch.partition),
          'messaging.consumer.group.name': options.groupId,
          'messaging.batch.message_count': decoded.length,
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), () =>
        untilApplied(() => options.handleBatch(whole), payload),
      );
    } catch (error) {
      if (error instanceof OffsetGap) {
        span.end();
        current.seek({ topic: batch.topic, partition: batch.partition, offset: error.expected });
        positioned.set(batch.partition, error.expected);
        return;
      }
      if (!isDeterministic(error, isRunning)) {
        span.end();
        throw error;
      }
      options.onBatchFailed?.(error as Error);
      // Isolate the poison message: one at a time, each starting where the previous one ended.
      let from = firstOffset;
      for (const message of decoded) {
        const single = {
          ...whole,
          messages: [message],
          firstOffset: from,
          nextOffset: (BigInt(message.offset) + 1n).toString(),
        };
        try {
          await untilApplied(() => options.handleBatch(single), payload);
        } catch (error) {
          if (!isDeterministic(error, isRunning)) {
            span.end();
            throw error;
          }
          const raw = batch.messages.find((m) => m.offset === message.offset)!;
          await deadLetter(raw, batch.partition, DeadLetterReason.processingFailed, (error as Error).message);
          await untilApplied(() => options.handleBatch({ ...single, messages: [] }), payload);
        }
        from = single.nextOffset;
        await beat(heartbeat);
      }
      if (BigInt(from) < BigInt(nextOffset))
        await untilApplied(
          () => options.handleBatch({ ...whole, messages: [], firstOffset: from, nextOffset }),
          payload,
        );
    }
    span.end();
    positioned.set(batch.partition, nextOffset);
    resolveOffset(last);
    commitSoon(batch.partition, nextOffset);
    await heartbeat();
  };

  await start();
  return {
    isRunning: () => up && !stopped,
    stop: async () => {
      stopped = true;
      up = false;
      if (restartTimer) clearTimeout(restartTimer);
      await commitNow();
      await consumer?.disconnect();
    },
  };
}
