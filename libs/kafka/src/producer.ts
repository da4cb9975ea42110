import { Partitioners, type Kafka, type Producer, type RecordMetadata, type RetryOptions } from 'kafkajs';
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
 */
export class EventProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, options: { transactionalId?: string; retry?: RetryOptions } = {}) {
    this.producer = kafka.producer({
      idempotent: true,
      // kafkajs keeps per-partition order under idempotence only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2, as the Java client: other services' producers put a key in the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionalId: options.transactionalId,
      retry: options.retry,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish<S extends z.ZodType>(
    topic: TopicDefinition<S>,
    events: OutgoingEvent<S>[],
  ): Promise<RecordMetadata[]> {
    if (events.length === 0) return [];
    const trace = traceHeaders();
    return this.producer.send({
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
    return this.producer.send({ topic, acks: -1, messages });
  }
}
