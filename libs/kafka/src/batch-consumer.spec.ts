import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { KafkaJSProtocolError } from 'kafkajs';
import { Topics, encode, type UserEvent } from '@ticketflow/contracts';
import { runBatchConsumer, type PartitionBatch } from './batch-consumer';
import type { EventProducer } from './producer';

/** A kafkajs consumer stand-in that hands one batch to `eachBatch` and reports how that ended. */
function fakeKafka(batch: KafkaMessage[], heartbeat: () => Promise<void>) {
  let outcome: Promise<unknown> = Promise.resolve();
  const kafka = {
    consumer: () => ({
      events: { CRASH: 'crash', GROUP_JOIN: 'join' },
      on: () => undefined,
      connect: async () => undefined,
      subscribe: async () => undefined,
      disconnect: async () => undefined,
      seek: () => undefined,
      commitOffsets: async () => undefined,
      run: async ({ eachBatch }: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
        outcome = eachBatch({
          batch: {
            topic: Topics.userEvents.name,
            partition: 0,
            messages: batch,
            lastOffset: () => batch[batch.length - 1]!.offset,
          },
          resolveOffset: () => undefined,
          heartbeat,
          isRunning: () => true,
          isStale: () => false,
        } as unknown as EachBatchPayload).then(
          () => 'applied',
          (error: Error) => error,
        );
      },
    }),
  } as unknown as Kafka;
  return { kafka, outcome: () => outcome };
}

const message = (offset: number): KafkaMessage =>
  ({
    offset: String(offset),
    key: Buffer.from('u1'),
    value: encode(Topics.userEvents, {
      schemaVersion: 1,
      type: 'user.upserted',
      eventId: `e${offset}`,
      occurredAt: '2026-01-01T00:00:00.000Z',
      userId: 'u1',
      email: 'u1@example.com',
    } satisfies UserEvent),
    headers: {},
    timestamp: '0',
    attributes: 0,
  }) as KafkaMessage;

describe('runBatchConsumer', () => {
  it('hands a rebalance during a database outage back to kafkajs instead of dead-lettering good messages', async () => {
    // As kafkajs reports it: a protocol error it does not mark retriable.
    const rebalancing = new KafkaJSProtocolError(
      Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), {
        type: 'REBALANCE_IN_PROGRESS',
        code: 27,
        retriable: false,
      }),
    );
    const deadLetters: unknown[] = [];
    const { kafka, outcome } = fakeKafka([message(0), message(1)], async () => {
      throw rebalancing;
    });
    const databaseAway = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const consumer = await runBatchConsumer({
      kafka,
      groupId: 'g',
      topic: Topics.userEvents,
      deadLetters: {
        sendRaw: async (...args: unknown[]) => void deadLetters.push(args),
      } as unknown as EventProducer,
      handleBatch: async (_batch: PartitionBatch<UserEvent>) => {
        throw databaseAway;
      },
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    });
    expect(await outcome()).toBe(rebalancing);
    expect(deadLetters).toEqual([]);
    await consumer.stop();
  });

  it('dead-letters only the message the handler keeps refusing, then moves on', async () => {
    const deadLetters: string[] = [];
    const applied: string[][] = [];
    const { kafka, outcome } = fakeKafka([message(0), message(1), message(2)], async () => undefined);
    const consumer = await runBatchConsumer({
      kafka,
      groupId: 'g',
      topic: Topics.userEvents,
      deadLetters: {
        sendRaw: async (_topic: string, messages: { value: Buffer }[]) =>
          void deadLetters.push(JSON.parse(messages[0]!.value.toString()).eventId),
      } as unknown as EventProducer,
      handleBatch: async (batch: PartitionBatch<UserEvent>) => {
        if (batch.messages.some((m) => m.value.eventId === 'e1')) throw new Error('violates a constraint');
        applied.push(batch.messages.map((m) => m.value.eventId));
      },
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    });
    expect(await outcome()).toBe('applied');
    expect(deadLetters).toEqual(['e1']);
    expect(applied).toEqual([['e0'], [], ['e2']]);
    await consumer.stop();
  });
});
