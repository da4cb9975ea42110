import type { Admin, Kafka } from 'kafkajs';
import type { z } from 'zod';
import {
  DeadLetterReason,
  Headers,
  Topics,
  deadLetterTopicOf,
  userUpserted,
  type UserEvent,
} from '@ticketflow/contracts';
import { collectMessages, createTestTopic, eventually, testKafka, uniqueSuffix } from '@ticketflow/testing';
import { EventProducer } from './producer';
import { runEventConsumer, type ConsumedEvent, type EventConsumerOptions } from './consumer';
import { OffsetGap, runBatchConsumer, type BatchConsumerOptions } from './batch-consumer';
import { recentHeaderValues } from './recent-headers';
import { redriveDeadLetters } from './redrive';
import { withDeadline } from './deadline';
import { ensureTopics } from './topics';

// Against the real broker the harness started (or KAFKA_BROKERS): the proof that kafkajs 2.2.4 speaks to it.
describe('kafka lib against a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: EventProducer;
  const running: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    kafka = testKafka('kafka-int-spec');
    admin = kafka.admin();
    await admin.connect();
    producer = new EventProducer(kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  const upserted = (userId: string, email = `${userId}@example.com`): UserEvent =>
    userUpserted(userId, email);

  /** A batch consumer on the suite's broker, dead-lettering through its producer; stopped after each test. */
  const consumeBatches = async <S extends z.ZodType>(
    options: Omit<BatchConsumerOptions<S>, 'kafka' | 'deadLetters'>,
  ) => void running.push(await runBatchConsumer({ kafka, deadLetters: producer, ...options }));

  /** A consumer on the suite's broker, dead-lettering through its producer; stopped after each test. */
  const consume = async <S extends z.ZodType>(
    options: Omit<EventConsumerOptions<S>, 'kafka' | 'deadLetters'>,
  ) => void running.push(await runEventConsumer({ kafka, deadLetters: producer, ...options }));

  it('creates topics with the declared partitions and a compacted cleanup policy', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic.name] });
    expect(topics[0]!.partitions).toHaveLength(Topics.userEvents.partitions);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: 2 /* TOPIC */, name: topic.name, configNames: ['cleanup.policy', 'min.insync.replicas'] },
      ],
    });
    const config = (name: string) =>
      resources[0]!.configEntries.find((e) => e.configName === name)?.configValue;
    expect(config('cleanup.policy')).toBe('compact');
    expect(config('min.insync.replicas')).toBe('1'); // one broker here: replication factor 1
    // Declaring more partitions than a topic has is refused rather than silently re-keying.
    await expect(ensureTopics(admin, [{ ...topic, partitions: topic.partitions + 1 }])).rejects.toThrow(
      /partitions/,
    );
  });

  it('produces idempotently, consumes in a group in per-key order and commits offsets', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const groupId = `group-${uniqueSuffix()}`;
    const events = Array.from({ length: 30 }, (_, i) => upserted(`user-${i % 3}`, `v${i}@example.com`));
    await producer.publish(
      topic,
      events.map((value) => ({ key: value.userId, value })),
    );

    const seen: ConsumedEvent<UserEvent>[] = [];
    await consume({ groupId, topic, handle: async (event) => void seen.push(event) });
    await eventually(() => (seen.length === events.length ? true : undefined));

    for (const userId of ['user-0', 'user-1', 'user-2']) {
      const sent = events.filter((e) => e.userId === userId).map((e) => e.eventId);
      expect(seen.filter((e) => e.key === userId).map((e) => e.value.eventId)).toEqual(sent);
    }
    expect(seen[0]!.headers[Headers.eventType]?.toString()).toBe('user.upserted');

    // Committed offsets cover everything consumed: a new member of the group starts after them.
    const committed = await eventually(async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic.name] });
      const total = offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      return total === events.length ? total : undefined;
    });
    expect(committed).toBe(events.length);
  });

  it('retries a failing handler a bounded number of times, then dead-letters with a reason and moves on', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const groupId = `group-${uniqueSuffix()}`;
    const poison = upserted('poison');
    const good = upserted('poison'); // same key: the partition must move past the poison message
    await producer.publish(
      topic,
      [poison, good].map((value) => ({ key: value.userId, value })),
    );
    // Raw bytes that are not JSON at all.
    await producer.sendRaw(topic.name, [{ key: 'poison', value: '{not json', headers: {} }]);

    let attempts = 0;
    const handled: string[] = [];
    await consume({
      groupId,
      topic,
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
      handle: async ({ value }) => {
        if (value.eventId === poison.eventId) {
          attempts++;
          throw new Error('database says no');
        }
        handled.push(value.eventId);
      },
    });
    await eventually(() => (handled.includes(good.eventId) ? true : undefined));
    expect(attempts).toBe(3);

    const dead: { reason?: string; error?: string; offset?: string }[] = [];
    const dlqReader = kafka.consumer({ groupId: `dlq-${uniqueSuffix()}` });
    await dlqReader.connect();
    await dlqReader.subscribe({ topic: deadLetterTopicOf(topic.name), fromBeginning: true });
    await dlqReader.run({
      eachMessage: async ({ message }) =>
        void dead.push({
          reason: message.headers?.[Headers.dlqReason]?.toString(),
          error: message.headers?.[Headers.dlqError]?.toString(),
          offset: message.headers?.[Headers.dlqOriginalOffset]?.toString(),
        }),
    });
    await eventually(() => (dead.length === 2 ? true : undefined));
    await dlqReader.disconnect();

    expect(dead.map((d) => d.reason).sort()).toEqual(
      [DeadLetterReason.invalidJson, DeadLetterReason.processingFailed].sort(),
    );
    expect(dead.find((d) => d.reason === DeadLetterReason.processingFailed)?.error).toContain(
      'database says no',
    );
  });

  it('batch consumer: a poison message alone goes to the dead-letter topic, the rest is applied, offsets move past it', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const events = Array.from({ length: 20 }, (_, i) => upserted('same-user', `v${i}@example.com`));
    const poison = events[7]!;
    await producer.publish(
      topic,
      events.map((value) => ({ key: value.userId, value })),
    );

    const applied: string[] = [];
    const stored = new Map<number, string>();
    let batchFailures = 0;
    await consumeBatches({
      groupId: `batch-${uniqueSuffix()}`,
      topic,
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
      onBatchFailed: () => void batchFailures++,
      // Stands in for a transaction: all of the batch or nothing, offset included.
      handleBatch: async (batch) => {
        if (batch.messages.some((m) => m.value.eventId === poison.eventId))
          throw new Error('constraint violated');
        applied.push(...batch.messages.map((m) => m.value.eventId));
        stored.set(batch.partition, batch.nextOffset);
      },
    });
    await eventually(() => (applied.length === events.length - 1 ? true : undefined));
    expect(applied).toEqual(events.filter((e) => e !== poison).map((e) => e.eventId));
    expect(batchFailures).toBeGreaterThan(0);
    expect([...stored.values()]).toEqual(['20']);

    const dead = await collectMessages(kafka, deadLetterTopicOf(topic.name), (m) => m.length >= 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers[Headers.dlqReason]).toBe(DeadLetterReason.processingFailed);
    expect(dead[0]!.headers[Headers.dlqError]).toContain('constraint violated');
    expect(JSON.parse(dead[0]!.value).eventId).toBe(poison.eventId);
  });

  it('batch consumer: a database outage is waited out, never dead-lettered', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const events = Array.from({ length: 5 }, (_, i) => upserted('one-user', `o${i}@example.com`));
    await producer.publish(
      topic,
      events.map((value) => ({ key: value.userId, value })),
    );
    let outage = 8; // more failures than the retry policy allows a deterministic failure
    const applied: string[] = [];
    const transient: string[] = [];
    const deadLetters: string[] = [];
    await consumeBatches({
      groupId: `outage-${uniqueSuffix()}`,
      topic,
      retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
      onTransientFailure: (error) => transient.push(error.message),
      onDeadLetter: (reason) => deadLetters.push(reason),
      handleBatch: async (batch) => {
        if (outage-- > 0)
          throw Object.assign(new Error('database "x" is not currently accepting connections'), {
            code: '57P03',
          });
        applied.push(...batch.messages.map((m) => m.value.eventId));
      },
    });
    await eventually(() => (applied.length === events.length ? true : undefined));
    expect(applied).toEqual(events.map((e) => e.eventId));
    expect(transient).toHaveLength(8);
    expect(deadLetters).toEqual([]);
  });

  it('batch consumer: a batch refused with OffsetGap is fetched again from the stored offset', async () => {
    const topic = await createTestTopic(admin, { ...Topics.userEvents, partitions: 1 });
    const events = Array.from({ length: 20 }, (_, i) => upserted(`u${i}`));
    await producer.publish(
      topic,
      events.map((value) => ({ key: value.userId, value })),
    );
    // Kafka's committed offset ran ahead of the database's (a lost commit): the group would resume at 12.
    const groupId = `gap-${uniqueSuffix()}`;
    await admin.setOffsets({ groupId, topic: topic.name, partitions: [{ partition: 0, offset: '12' }] });
    let stored = 0n;
    const applied: number[] = [];
    await consumeBatches({
      groupId,
      topic,
      // The fence of applyFenced, in memory.
      handleBatch: async (batch) => {
        if (BigInt(batch.firstOffset) > stored && batch.resumedFrom !== stored.toString())
          throw new OffsetGap(batch.topic, batch.partition, stored.toString(), batch.firstOffset);
        for (const m of batch.messages) if (BigInt(m.offset) >= stored) applied.push(Number(m.offset));
        stored = BigInt(batch.nextOffset);
      },
    });
    await eventually(() => (stored === 20n ? true : undefined));
    expect(applied).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('reads the given header of the last records of every partition', async () => {
    const topic = await createTestTopic(admin, { ...Topics.userEvents, partitions: 3 });
    const events = Array.from({ length: 30 }, (_, i) => upserted(`r${i}`));
    await producer.publish(
      topic,
      events.map((value, i) => ({ key: value.userId, value, headers: { 'row-id': String(i) } })),
    );
    const all = await recentHeaderValues(kafka, topic.name, 'row-id', 1_000);
    expect([...all].map(Number).sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
    const recent = await recentHeaderValues(kafka, topic.name, 'row-id', 2);
    const offsets = await admin.fetchTopicOffsets(topic.name);
    expect(recent.size).toBe(offsets.reduce((n, p) => n + Math.min(2, Number(p.high)), 0));
    // The newest record of each partition is among them: the last event (r29) was sent last.
    expect(recent.has('29')).toBe(true);
    expect(
      await recentHeaderValues(kafka, (await createTestTopic(admin, Topics.userEvents)).name, 'row-id', 5),
    ).toEqual(new Set());
  });

  it('re-drives dead letters of one reason back to their topic, once', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const letters = ['processing-failed', 'invalid-json', 'processing-failed'].map((reason, i) => ({
      key: `k${i}`,
      value: JSON.stringify(upserted(`k${i}`)),
      headers: {
        [Headers.dlqReason]: reason,
        [Headers.dlqOriginalTopic]: topic.name,
        [Headers.dlqError]: 'database says no',
        [Headers.eventType]: 'user.upserted',
      },
    }));
    await producer.sendRaw(deadLetterTopicOf(topic.name), letters);
    const progress: number[] = [];
    const first = await redriveDeadLetters(kafka, producer, {
      topic: topic.name,
      reason: 'processing-failed',
      onProgress: (p) => progress.push(p.read),
    });
    expect(first).toEqual({ read: 3, moved: 2 });
    expect(progress.at(-1)).toBe(3);
    const back = await collectMessages(kafka, topic.name, (m) => m.length >= 2);
    expect(back.map((m) => m.key).sort()).toEqual(['k0', 'k2']);
    expect(back[0]!.headers[Headers.dlqReason]).toBeUndefined();
    expect(back[0]!.headers[Headers.eventType]).toBe('user.upserted');
    // Its group remembers how far it got: nothing is moved twice.
    expect(await redriveDeadLetters(kafka, producer, { topic: topic.name })).toEqual({ read: 0, moved: 0 });
  });

  it('sends one after another without stalling: a send queued right as the previous one finishes is sent', async () => {
    const topic = await createTestTopic(admin, Topics.userEvents);
    const send = (i: number) =>
      producer.sendRaw(topic.name, [{ key: `k${i}`, value: JSON.stringify(upserted(`k${i}`)), headers: {} }]);
    // Each send starts in the very microtask its predecessor's acknowledgement resolves in.
    let chain = send(0);
    for (let i = 1; i < 20; i++) chain = chain.then(() => send(i));
    await withDeadline(chain, 20_000, 'twenty chained sends');
    const messages = await collectMessages(kafka, topic.name, (m) => m.length >= 20);
    expect(messages).toHaveLength(20);
  });
});
