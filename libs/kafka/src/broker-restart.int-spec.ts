import { randomUUID } from 'node:crypto';
import { Topics, type UserEvent } from '@ticketflow/contracts';
import { createTestTopic, eventually, ownKafka } from '@ticketflow/testing';
import { runBatchConsumer, type RunningBatchConsumer } from './batch-consumer';
import { createKafka } from './client';
import { EventProducer } from './producer';

jest.setTimeout(180_000);

/** The broker goes away for longer than kafkajs retries: the consumer must come back by itself. */
describe('batch consumer across a broker restart', () => {
  const broker = ownKafka(29_192);

  beforeAll(async () => {
    await broker.destroy();
    await broker.start();
  });

  afterAll(async () => {
    await broker.destroy();
  });

  it('consumes again after the broker was down, without being restarted by hand', async () => {
    const kafka = createKafka(
      { brokers: [broker.brokers], clientId: 'broker-restart' },
      { retry: { initialRetryTime: 100, retries: 2 }, connectionTimeout: 1_000 },
    );
    const admin = kafka.admin();
    await admin.connect();
    const topic = await createTestTopic(admin, { ...Topics.userEvents, partitions: 2 });
    await admin.disconnect();
    const producer = new EventProducer(kafka);
    await producer.connect();
    const event = (n: number): UserEvent => ({
      schemaVersion: 1,
      type: 'user.upserted',
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      userId: `u${n}`,
      email: `u${n}@example.com`,
    });
    const applied = new Set<string>();
    const restarts: string[] = [];
    let consumer: RunningBatchConsumer | null = null;
    try {
      consumer = await runBatchConsumer({
        kafka,
        groupId: 'broker-restart',
        topic,
        deadLetters: producer,
        onRestart: (error) => restarts.push(error.message),
        handleBatch: async (batch) => void batch.messages.forEach((m) => applied.add(m.value.userId)),
      });
      await producer.publish(
        topic,
        [0, 1, 2, 3].map((n) => ({ key: `u${n}`, value: event(n) })),
      );
      await eventually(() => (applied.size === 4 ? true : undefined));

      await broker.stop();
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      await broker.start();

      await eventually(
        () =>
          producer
            .publish(
              topic,
              [4, 5, 6, 7].map((n) => ({ key: `u${n}`, value: event(n) })),
            )
            .then(() => true),
        60_000,
      );
      await eventually(() => (applied.size === 8 ? true : undefined), 90_000);
      await eventually(() => (consumer!.isRunning() ? true : undefined), 30_000);
      process.stderr.write(`consumer restarts across the broker restart: ${restarts.length}\n`);
    } finally {
      await consumer?.stop();
      await producer.disconnect().catch(() => undefined);
    }
  });
});
