import {
  Partitioners,
  type Kafka,
  type Producer,
  type ProducerRecord,
  type RecordMetadata,
  type RetryOptions,
} from 'kafkajs';
import type { z } from 'zod';
import { Headers, encode, type TopicDefinition } from '@ticketflow/contracts';
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
 * After a failed or timed-out send the kafkajs producer is replaced (a new producer id): kafkajs rolls its sequence
 * numbers back without bumping the epoch, so if the broker did append the timed-out batch, the next send would
 * reuse its sequence and be acknowledged as a duplicate without being written.
 */
export class EventProducer {
  private producer: Producer;
  /** The current kafkajs producer's connection, once `connect()` was called. */
  private ready: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: { transactionalId?: string; retry?: RetryOptions } = {},
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

  /** Sends on the current kafkajs producer; after a failure the next send goes through a new one. */
  private async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.ready)
      await this.ready.catch(() => {
        this.ready = this.producer.connect();
        return this.ready;
      });
    const producer = this.producer;
    try {
      return await producer.send(record);
    } catch (error) {
      if (producer === this.producer && this.ready) {
        this.producer = this.create();
        this.ready = this.producer.connect();
        this.ready.catch(() => undefined); // awaited by the next send
        producer.disconnect().catch(() => undefined);
      }
      throw error;
    }
  }

  async publish<S extends z.ZodType>(
    topic: TopicDefinition<S>,
    events: OutgoingEvent<S>[],
  ): Promise<RecordMetadata[]> {
    if (events.length === 0) return [];
    const trace = traceHeaders();
    return this.send({
      topic: topic.name,
      acks: -1,
      messages: events.map((event) => {
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
    });
  }

  /** Raw send for dead letters and tools that forward bytes unchanged. */
  sendRaw(
    topic: string,
    messages: {
      key: Buffer | string | null;
      value: Buffer | string | null;
      headers: Record<string, string | Buffer>;
    }[],
  ) {
    return this.send({ topic, acks: -1, messages });
  }
}
