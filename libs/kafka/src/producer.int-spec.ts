import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import { Topics, type UserEvent } from '@ticketflow/contracts';
import { collectMessages, createTestTopic, testKafka, uniqueSuffix } from '@ticketflow/testing';
import { brokersFromEnv, createKafka } from './client';
import { EventProducer } from './producer';

/** A TCP proxy in front of the broker that can hold the broker's answers back (in order) for a while. */
async function delayingProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let delayMs = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let releaseAt = 0;
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      releaseAt = Math.max(releaseAt, Date.now() + delayMs);
      setTimeout(() => client.writable && client.write(chunk), releaseAt - Date.now());
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    setDelay: (ms: number) => void (delayMs = ms),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('EventProducer when a produce response arrives after the client gave up', () => {
  let proxy: Awaited<ReturnType<typeof delayingProxy>>;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    const [host, port] = brokersFromEnv()[0]!.split(':');
    proxy = await delayingProxy({ host: host!, port: Number(port) });
    // Every broker connection goes through the proxy, whatever address the broker advertises.
    kafka = createKafka(
      { brokers: [`127.0.0.1:${proxy.port}`], clientId: 'producer-timeout-spec' },
      {
        requestTimeout: 1_000,
        socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect),
      },
    );
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await proxy.close();
  });

  const user = (n: number): UserEvent => ({
    schemaVersion: 1,
    type: 'user.upserted',
    eventId: `timeout-${n}`,
    occurredAt: new Date().toISOString(),
    userId: 'same-key',
    email: `v${n}@example.com`,
  });

  const onePartitionTopic = (name: string) =>
    createTestTopic(admin, { ...Topics.userEvents, partitions: 1 }, `${name}-${uniqueSuffix()}`);

  /** Through the proxy, retrying once: a send fails when both attempts time out. */
  const oneRetryProducer = async () => {
    const producer = new EventProducer(kafka, {
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 100 },
    });
    await producer.connect();
    return producer;
  };

  it('never loses an acknowledged record: the send after a timed-out one is written, not taken for a duplicate', async () => {
    const topic = await onePartitionTopic('timeout');
    // Its one retry: both attempts time out while the proxy holds answers back, so the send fails.
    const producer = await oneRetryProducer();
    await producer.publish(topic, [{ key: 'same-key', value: user(1) }]);

    proxy.setDelay(2_500);
    await expect(producer.publish(topic, [{ key: 'same-key', value: user(2) }])).rejects.toThrow();
    proxy.setDelay(0);
    // Let the late answers through before the next request, so only the sequence handling is under test.
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    await producer.publish(topic, [{ key: 'same-key', value: user(3) }]);
    await producer.disconnect();

    // Read directly (not through the proxy); when the third record is missing, show what is there.
    const reader = testKafka('producer-timeout-reader');
    const messages = await collectMessages(reader, topic.name, (m) => m.length >= 3, 10_000).catch(() =>
      collectMessages(reader, topic.name, (m) => m.length >= 2, 10_000),
    );
    const ids = messages.map((m) => JSON.parse(m.value).eventId);
    // The broker appended the timed-out record (its answer was only late); the acknowledged one must be there too.
    expect(ids).toContain('timeout-3');
    expect(ids.filter((id) => id === 'timeout-3')).toHaveLength(1);
  });

  it('knows when a send abandoned at its deadline has settled inside kafkajs (it may still append until then)', async () => {
    const topic = await onePartitionTopic('abandoned');
    const producer = new EventProducer(kafka, {
      sendTimeoutMs: 300,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 100 },
    });
    await producer.connect();
    await producer.publish(topic, [{ key: 'same-key', value: user(10) }]);
    expect(await producer.quiesced(1_000)).toBe(true);
    proxy.setDelay(2_500);
    await expect(producer.publish(topic, [{ key: 'same-key', value: user(11) }])).rejects.toThrow(/300 ms/);
    // Past our deadline kafkajs still waits for its answer (and would retry it).
    expect(await producer.quiesced(100)).toBe(false);
    proxy.setDelay(0);
    expect(await producer.quiesced(10_000)).toBe(true);
    await producer.disconnect();
  });

  it('never loses an acknowledged record among concurrent sends while answers come late', async () => {
    const topic = await onePartitionTopic('concurrent');
    const producer = await oneRetryProducer();
    const acknowledged: string[] = [];
    const sends: Promise<void>[] = [];
    // 60 publishes 50 ms apart; for the first 1.5 s the broker's answers are held back past the timeouts.
    proxy.setDelay(2_500);
    setTimeout(() => proxy.setDelay(0), 1_500);
    for (let n = 100; n < 160; n++) {
      const value = user(n);
      sends.push(
        producer.publish(topic, [{ key: 'same-key', value }]).then(
          () => void acknowledged.push(value.eventId),
          () => undefined,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(sends);
    await producer.disconnect();
    expect(acknowledged.length).toBeGreaterThan(0);
    const reader = testKafka('producer-concurrent-reader');
    const written = new Set(
      (
        await collectMessages(reader, topic.name, (m) => m.length >= acknowledged.length, 15_000).catch(
          () => [],
        )
      ).map((m) => JSON.parse(m.value).eventId as string),
    );
    expect(acknowledged.filter((id) => !written.has(id))).toEqual([]);
  });
});
