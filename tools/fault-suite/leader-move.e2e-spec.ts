import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, EventProducer } from '@ticketflow/kafka';
import { KafkaCluster } from './kafka-cluster';
import { ProcessRegistry } from './processes';

jest.setTimeout(180_000);

const repoRoot = join(__dirname, '../..');
const workDir = join(repoRoot, '.local/leader-move-spec');

/**
 * kafkajs retries a multi-partition send per broker and skips, on retry, every broker that already answered, even
 * when a partition of the failed broker moved to it meanwhile: those records are never written and the send
 * resolves. A leader killed mid-send whose partition moves to a broker that led another partition of the same send
 * is that case; a reassignment makes it deterministic on a three-node KRaft cluster.
 */
describe('EventProducer when a partition leader moves mid-send', () => {
  let cluster: KafkaCluster;
  let registry: ProcessRegistry;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    ProcessRegistry.killOrphans(join(workDir, 'pids'), workDir);
    rmSync(join(workDir, 'cluster'), { recursive: true, force: true });
    registry = new ProcessRegistry(join(workDir, 'pids'), workDir);
    cluster = new KafkaCluster({
      size: 3,
      basePort: 27192,
      dir: join(workDir, 'cluster'),
      repoRoot,
      registry,
    });
    cluster.format();
    await cluster.start();
    kafka = createKafka({ brokers: cluster.brokers, clientId: 'leader-move-spec' });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    registry.closed = true;
    await cluster?.stop();
    registry.killAll();
  });

  it('writes every acknowledged record when the failed partition moves to a broker that already answered', async () => {
    // Partition 0 led by node 1; partition 1 led by node 2 with node 1 its only other replica.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: 'leader-move',
          replicaAssignment: [
            { partition: 0, replicas: [1, 3] },
            { partition: 1, replicas: [2, 1] },
          ],
          configEntries: [{ name: 'min.insync.replicas', value: '1' }],
        },
      ],
    });
    const producer = new EventProducer(kafka);
    await producer.connect();
    const records = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        key: `key-${from + i}`,
        value: `record-${from + i}`,
        headers: {},
      }));
    await producer.sendRaw('leader-move', records(0, 40)); // metadata now names node 2 as partition 1's leader

    // Partition 1 moves to node 1 behind the producer's back (node 2 stops being a replica): the next send to
    // node 2 is answered "not the leader", the retry finds partition 1 on node 1, which answered for partition 0.
    await admin.alterPartitionReassignments({
      topics: [{ topic: 'leader-move', partitionAssignment: [{ partition: 1, replicas: [1, 3] }] }],
    });
    for (;;) {
      const { topics } = await admin.fetchTopicMetadata({ topics: ['leader-move'] });
      const p1 = topics[0]!.partitions.find((p) => p.partitionId === 1)!;
      if (p1.leader === 1 && !p1.replicas.includes(2)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await producer.sendRaw('leader-move', records(40, 80));
    await producer.disconnect();

    const values: string[] = [];
    const consumer = kafka.consumer({ groupId: 'leader-move-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'leader-move', fromBeginning: true });
    const offsets = await admin.fetchTopicOffsets('leader-move');
    const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    let read = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (++read >= total) resolve();
        },
      });
    });
    await consumer.disconnect();
    const missing = records(0, 80)
      .map((r) => r.value)
      .filter((v) => !values.includes(v));
    expect(missing).toEqual([]);
    expect(values.filter((v, i) => values.indexOf(v) !== i)).toEqual([]); // and none written twice
  });
});
