import {
  Partitioners,
  type Admin,
  type Kafka,
  type Message,
  type PartitionMetadata,
  type Producer,
  type RetryOptions,
} from 'kafkajs';
import { context, type Context } from '@opentelemetry/api';
import type { z } from 'zod';
import { Headers, encode, type TopicDefinition } from '@ticketflow/contracts';
import { withDeadline } from './deadline';
import { sendTraced } from './trace-context';

export interface OutgoingEvent<S extends z.ZodType> {
  key: string;
  value: z.infer<S>;
  headers?: Record<string, string>;
  /** The trace this message continues (default: the active one), e.g. the change that caused it. */
  parent?: Context;
}

/**
 * Idempotent producer with acks=all: a send resolves only once every in-sync replica has the record, and
 * broker-side sequence numbers drop the duplicates that retries would otherwise write.
 * Every value is validated against its topic's contract before it leaves.
 *
 * kafkajs rolls its sequence numbers back after a failed or timed-out request without bumping the epoch: if the
 * broker did append it (a timeout, a leader that died after replicating), the next request reuses its sequence and
 * is acknowledged as a duplicate without being written. So one round of sends is in flight at a time, carrying
 * every message published meanwhile (group commit), and after a failure the kafkajs producer is replaced (a new
 * producer id) before anything else is sent: nothing queued behind a failed request can inherit its sequence.
 *
 * A round is one kafkajs send per partition (the partition chosen here, as kafkajs would). kafkajs retries a
 * multi-partition send per broker and skips every broker that already answered, even when a failed partition moved
 * to it meanwhile: the send resolves and those records were never written (tulios/kafkajs#1303, #1798).
 */
export class EventProducer {
  private producer: Producer;
  /** The current kafkajs producer's connection, once `connect()` was called. */
  private ready: Promise<void> | null = null;
  /** Messages waiting for the send in flight to finish. */
  private queue: Pending[] = [];
  private draining = false;
  /** Partition counts by topic, for choosing partitions (a topic's count is read once). */
  private admin: Admin;
  private adminReady: Promise<void> | null = null;
  private readonly partitionCounts = new Map<string, Promise<number>>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  /** kafkajs sends started and not settled yet, abandoned ones included: past its deadline a send keeps retrying. */
  private readonly unsettled = new Set<Promise<void>>();

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
    this.admin = kafka.admin();
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

  async disconnect(): Promise<void> {
    this.ready = null;
    const admin = this.adminReady;
    this.adminReady = null;
    await Promise.all([
      this.producer.disconnect(),
      admin?.then(
        () => this.admin.disconnect(),
        () => undefined,
      ),
    ]);
  }

  /** Queues messages for the next send; resolves once Kafka acknowledged them all. */
  private send(topic: string, messages: Message[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Sends until the queue is empty; `draining` turns false in the same turn as the last emptiness check. A publish
   * resolves once every partition it wrote to acknowledged, and fails if one did not.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length) {
      const batch = takeBatch(this.queue);
      const producer = this.producer;
      const timeout = this.options.sendTimeoutMs ?? 30_000;
      let failure: Error | null = null;
      const failed = new Set<Pending>();
      try {
        if (this.ready)
          await withDeadline(
            this.ready.catch(() => {
              this.ready = this.producer.connect();
              return this.ready;
            }),
            timeout,
            'connecting to Kafka',
          );
        const sends = await withDeadline(this.byPartition(batch), timeout, 'reading partition counts');
        const results = await Promise.allSettled(
          sends.map(({ topic, messages }) =>
            withDeadline(
              this.tracked(producer.send({ topic, acks: -1, messages })),
              timeout,
              'sending to Kafka',
            ),
          ),
        );
        results.forEach((result, i) => {
          if (result.status === 'fulfilled') return;
          failure ??= result.reason as Error;
          for (const pending of sends[i]!.from) failed.add(pending);
        });
      } catch (error) {
        failure = error as Error;
        for (const pending of batch) failed.add(pending);
      }
      if (failure && this.ready) {
        this.producer = this.create();
        this.ready = this.producer.connect();
        this.ready.catch(() => undefined); // awaited by the next send
        producer.disconnect().catch(() => undefined);
      }
      for (const pending of batch) {
        if (failed.has(pending)) pending.reject(failure!);
        else pending.resolve();
      }
    }
    this.draining = false;
  }

  private tracked<T>(send: Promise<T>): Promise<T> {
    const settled = send.then(
      () => undefined,
      () => undefined,
    );
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
    return send;
  }

  /**
   * Resolves true once every kafkajs send this producer started has settled, false after `maxMs`. A send abandoned
   * at its deadline may still append its records later: whoever must not publish before them waits for this.
   */
  async quiesced(maxMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), maxMs)));
    const all = Promise.all([...this.unsettled]).then(() => true);
    return Promise.race([all, late]).finally(() => clearTimeout(timer));
  }

  /** The batch as one send per topic partition, messages in publish order, each knowing which publishes it carries. */
  private async byPartition(batch: Pending[]) {
    const sends = new Map<string, { topic: string; messages: Message[]; from: Set<Pending> }>();
    for (const pending of batch) {
      const partitionMetadata = await this.partitionsOf(pending.topic);
      for (const message of pending.messages) {
        const partition = this.partitioner({ topic: pending.topic, partitionMetadata, message });
        const key = `${partition}:${pending.topic}`;
        const send = sends.get(key) ?? { topic: pending.topic, messages: [], from: new Set() };
        sends.set(key, send);
        send.messages.push({ ...message, partition });
        send.from.add(pending);
      }
    }
    return [...sends.values()];
  }

  /** What the partitioner needs: one entry per partition (keys hash over all of them, as in the Java client). */
  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    let count = this.partitionCounts.get(topic);
    if (!count) {
      this.adminReady ??= this.admin.connect();
      const ready = this.adminReady;
      const admin = this.admin;
      count = ready
        .then(() => admin.fetchTopicMetadata({ topics: [topic] }))
        .then(({ topics }) => topics[0]?.partitions.length ?? 0);
      this.partitionCounts.set(topic, count);
      // Not cached when it failed, and asked again by a new admin client (kafkajs may keep a half-open one).
      count.catch(() => {
        if (this.partitionCounts.get(topic) === count) this.partitionCounts.delete(topic);
        if (this.admin !== admin) return;
        this.admin = this.kafka.admin();
        this.adminReady = null;
        void ready.then(() => admin.disconnect()).catch(() => undefined);
      });
    }
    const n = await count;
    if (n === 0) throw new Error(`topic ${topic} has no partitions`);
    return Array.from({ length: n }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [],
      isr: [],
    }));
  }

  async publish<S extends z.ZodType>(topic: TopicDefinition<S>, events: OutgoingEvent<S>[]): Promise<void> {
    if (events.length === 0) return;
    // Encoded (validated) before any span starts: a refused value leaves no span open.
    const values = events.map((event) => encode(topic, event.value));
    await sendTraced(
      topic.name,
      events.map((event) => event.parent ?? context.active()),
      (trace) =>
        this.send(
          topic.name,
          events.map((event, i) => {
            const type = (event.value as { type?: unknown }).type;
            return {
              key: event.key,
              value: values[i]!,
              headers: {
                ...trace[i],
                ...(typeof type === 'string' ? { [Headers.eventType]: type } : {}),
                [Headers.schemaVersion]: String(
                  (event.value as { schemaVersion?: unknown }).schemaVersion ?? 1,
                ),
                ...event.headers,
              },
            };
          }),
        ),
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
