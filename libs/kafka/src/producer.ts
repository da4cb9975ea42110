import { Partitioners, type Kafka, type Message, type Producer, type RetryOptions } from 'kafkajs';
import type { z } from 'zod';
import { Headers, encode, type TopicDefinition } from '@ticketflow/contracts';
import { withDeadline } from './deadline';
import { traceHeaders } from './trace-context';

export interface OutgoingEvent<S extends z.ZodType> {
  key: string;
  value: z.infer<S>;
  headers?: Record<string, string>;
}

/**
 * Idempotent producer with acks=all: a send resolves only once every in-sync replica has the record, and
 * broker-side sequence numbers drop the duplicates that retries would otherwise write.
 * Every value is validated against its topic's contract before it leaves.
 *
 * kafkajs rolls its sequence numbers back after a failed or timed-out request without bumping the epoch: if the
 * broker did append it (a timeout, a leader that died after replicating), the next request reuses its sequence and
 * is acknowledged as a duplicate without being written. So one kafkajs send is in flight at a time, carrying every
 * message published meanwhile (group commit), and after a failure the kafkajs producer is replaced (a new
 * producer id) before anything else is sent: nothing queued behind a failed request can inherit its sequence.
 */
export class EventProducer {
  private producer: Producer;
  /** The current kafkajs producer's connection, once `connect()` was called. */
  private ready: Promise<void> | null = null;
  /** Messages waiting for the send in flight to finish. */
  private queue: Pending[] = [];
  private draining = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: {
      transactionalId?: string;
      retry?: RetryOptions;
      /** Longest wait for a connection or an acknowledgement before the send fails (and the producer is replaced). */
      sendTimeoutMs?: number;
    } = {},
  ) {
    this.producer = this.create();
  }

  private create(): Producer {
    return this.kafka.producer({
      idempotent: true,
      // kafkajs keeps per-partition order under idempotence only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2, as the Java client: other services' producers put a key in the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionalId: this.options.transactionalId,
      retry: this.options.retry,
    });
  }

  connect(): Promise<void> {
    this.ready = this.producer.connect();
    return this.ready;
  }

  disconnect(): Promise<void> {
    this.ready = null;
    return this.producer.disconnect();
  }

  /** Queues messages for the next send; resolves once Kafka acknowledged them all. */
  private send(topic: string, messages: Message[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Sends until the queue is empty; `draining` turns false in the same turn as the last emptiness check. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length) {
      const batch = takeBatch(this.queue);
      const producer = this.producer;
      try {
        const timeout = this.options.sendTimeoutMs ?? 30_000;
        if (this.ready)
          await withDeadline(
            this.ready.catch(() => {
              this.ready = this.producer.connect();
              return this.ready;
            }),
            timeout,
            'connecting to Kafka',
          );
        const byTopic = new Map<string, Message[]>();
        for (const { topic, messages } of batch)
          byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...messages]);
        await withDeadline(
          producer.sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          }),
          timeout,
          'sending to Kafka',
        );
        for (const pending of batch) pending.resolve();
      } catch (error) {
        if (this.ready) {
          this.producer = this.create();
          this.ready = this.producer.connect();
          this.ready.catch(() => undefined); // awaited by the next send
          producer.disconnect().catch(() => undefined);
        }
        for (const pending of batch) pending.reject(error as Error);
      }
    }
    this.draining = false;
  }

  async publish<S extends z.ZodType>(topic: TopicDefinition<S>, events: OutgoingEvent<S>[]): Promise<void> {
    if (events.length === 0) return;
    const trace = traceHeaders();
    return this.send(
      topic.name,
      events.map((event) => {
        const type = (event.value as { type?: unknown }).type;
        return {
          key: event.key,
          value: encode(topic, event.value),
          headers: {
            ...trace,
            ...(typeof type === 'string' ? { [Headers.eventType]: type } : {}),
            [Headers.schemaVersion]: String((event.value as { schemaVersion?: unknown }).schemaVersion ?? 1),
            ...event.headers,
          },
        };
      }),
    );
  }

  /** Raw send for dead letters and tools that forward bytes unchanged. */
  sendRaw(
    topic: string,
    messages: {
      key: Buffer | string | null;
      value: Buffer | string | null;
      headers: Record<string, string | Buffer>;
    }[],
  ): Promise<void> {
    return this.send(topic, messages);
  }
}

interface Pending {
  topic: string;
  messages: Message[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/** What one send carries: queued publishes in order, up to about 512 KiB (a broker takes 1 MiB per batch). */
function takeBatch(queue: Pending[]): Pending[] {
  let bytes = 0;
  let count = 0;
  for (const pending of queue) {
    const size = pending.messages.reduce((n, m) => n + (m.value?.length ?? 0) + 64, 0);
    if (count > 0 && bytes + size > 512 * 1024) break;
    bytes += size;
    count++;
  }
  return queue.splice(0, count);
}
