import { Topics, type UserOpenTicketCount } from '@ticketflow/contracts';
import type { EventProducer, PartitionBatch } from '@ticketflow/kafka';
import { createTestSchema, type TestSchema } from '@ticketflow/testing';
import type { DataSource } from 'typeorm';
import { ConsumerOffsetEntity, loadConsumerOffsets } from './consumer-offset.entity';
import { openDatabase } from './data-source';
import { applyFenced } from './fenced-projection';
import { persistenceMigrations } from './index';
import { OutboxRelay, enqueueOutbox } from './outbox-relay';

const batch = (
  first: number,
  count: number,
  extra: Partial<PartitionBatch<number>> = {},
): PartitionBatch<number> => ({
  topic: 't',
  partition: 0,
  firstOffset: String(first),
  nextOffset: String(first + count),
  resumedFrom: null,
  messages: Array.from({ length: count }, (_, i) => ({
    offset: String(first + i),
    key: null,
    value: first + i,
    headers: {},
  })),
  ...extra,
});

describe('persistence against real Postgres', () => {
  let schema: TestSchema;
  let db: DataSource;

  beforeAll(async () => {
    schema = await createTestSchema();
    db = await openDatabase({
      url: schema.url,
      schema: schema.schema,
      entities: [ConsumerOffsetEntity],
      migrations: persistenceMigrations,
    });
    await db.query(`CREATE TABLE applied (group_id text, value int)`);
  });

  afterAll(async () => {
    await db.destroy();
    await schema.drop();
  });

  const apply = (groupId: string, b: PartitionBatch<number>, fail = false) =>
    applyFenced(db, groupId, b, async (manager, messages) => {
      for (const m of messages)
        await manager.query(`INSERT INTO applied VALUES ($1, $2)`, [groupId, m.value]);
      if (fail) throw new Error('projection failed');
      return messages.length;
    });
  const appliedValues = async (groupId: string) =>
    (await db.query(`SELECT value FROM applied WHERE group_id = $1 ORDER BY value`, [groupId])).map(
      (r: { value: number }) => r.value,
    );

  it('applies the migrations into the schema and records them', async () => {
    const applied = await db.query(`SELECT name FROM "${schema.schema}".typeorm_migrations ORDER BY id`);
    expect(applied.map((row: { name: string }) => row.name)).toEqual([
      'ConsumerOffsets1795600000000',
      'Outbox1795630000000',
      'OutboxHeaders1795680000000',
    ]);
    expect(await db.showMigrations()).toBe(false); // nothing pending
  });

  it('reads a partition without a stored offset from its beginning: a batch starting later is refused', async () => {
    await expect(apply('g0', batch(5, 3))).rejects.toMatchObject({ name: 'OffsetGap', expected: '0' });
    // Positioned at 0 by the consumer, the log's first record is 5 (retention): accepted.
    expect(await apply('g0', batch(5, 3, { resumedFrom: '0' }))).toBe(3);
    expect(await loadConsumerOffsets(db.manager, 'g0', 't')).toEqual([
      { topic: 't', partition: 0, nextOffset: '8' },
    ]);
  });

  it('applies each message once: repeated and overlapping batches add only what is new', async () => {
    expect(await apply('g1', batch(0, 4))).toBe(4);
    expect(await apply('g1', batch(0, 4))).toBeNull();
    expect(await apply('g1', batch(2, 5))).toBe(3);
    expect(await appliedValues('g1')).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('serialises two members applying one partition at once (a zombie and its successor): nothing twice', async () => {
    const results = await Promise.all([apply('g2', batch(0, 50)), apply('g2', batch(0, 50))]);
    expect(results.sort()).toEqual([50, null]);
    expect(await appliedValues('g2')).toHaveLength(50);
  });

  it('rolls the offset back with the effects of a failed batch', async () => {
    await expect(apply('g3', batch(0, 2), true)).rejects.toThrow('projection failed');
    expect(await appliedValues('g3')).toEqual([]);
    expect(await apply('g3', batch(0, 2))).toBe(2);
  });

  describe('outbox relay', () => {
    const count = (userId: string, openCount: number): UserOpenTicketCount => ({
      schemaVersion: 1,
      type: 'user.open_ticket_count',
      userId,
      openCount,
      openTicketIds: [],
      aboveThreshold: false,
      updatedAt: '2026-11-25T10:00:00Z',
    });
    const sent: { key: string; value: string; outboxId: string }[] = [];
    let appendThenFail = 0;
    let failSends = 0;
    let sends = 0;
    const producer = {
      sendRaw: async (
        _topic: string,
        messages: { key: string; value: Buffer; headers: Record<string, string> }[],
      ) => {
        if (failSends-- > 0) throw new Error('broker unavailable');
        // Every other send is slow: parallel relays would finish out of order.
        await new Promise((resolve) => setTimeout(resolve, ++sends % 2 ? 15 : 1));
        sent.push(
          ...messages.map((m) => ({
            key: m.key,
            value: m.value.toString(),
            outboxId: m.headers['outbox-id']!,
          })),
        );
        // The broker wrote them, but the answer never came (timeout, or the relay died right here).
        if (appendThenFail-- > 0) throw new Error('request timed out');
        return [];
      },
    } as unknown as EventProducer;
    const topics = [Topics.userOpenTicketCount];

    it('sets a row that can never be sent aside with its reason and keeps the rest flowing', async () => {
      await db.transaction((manager) =>
        enqueueOutbox(manager, [
          { topic: Topics.userOpenTicketCount.name, key: 'a', value: count('a', 1) },
          { topic: 'no.such.topic', key: 'b', value: count('b', 1) },
          { topic: Topics.userOpenTicketCount.name, key: 'c', value: { ...count('c', 1), openCount: -1 } },
          { topic: Topics.userOpenTicketCount.name, key: 'd', value: count('d', 1) },
        ]),
      );
      const quarantined: string[] = [];
      const relay = new OutboxRelay(db, producer, topics, {
        onQuarantine: (row) => quarantined.push(row.topic),
      });
      expect(await relay.flush()).toBe(4);
      expect(sent.map((s) => s.key)).toEqual(['a', 'd']);
      expect(quarantined).toHaveLength(2);
      const rows = await db.query(`SELECT key, error FROM outbox ORDER BY id`);
      expect(rows.map((r: { key: string }) => r.key)).toEqual(['b', 'c']);
      expect(rows[0].error).toContain('no.such.topic');
      expect(await relay.oldestPendingSeconds()).toBe(0);
    });

    it('keeps rows when Kafka fails, and two relays never publish at once: one key stays in commit order', async () => {
      sent.length = 0;
      failSends = 1;
      const relays = [new OutboxRelay(db, producer, topics), new OutboxRelay(db, producer, topics)];
      await expect(relays[0]!.flush()).resolves.toBe(0); // nothing pending yet
      for (let i = 0; i < 60; i++)
        await db.transaction((manager) =>
          enqueueOutbox(manager, [
            { topic: Topics.userOpenTicketCount.name, key: 'k', value: count('k', i) },
          ]),
        );
      await expect(relays[0]!.flush(10)).rejects.toThrow('broker unavailable');
      expect(sent).toHaveLength(0);
      while ((await Promise.all(relays.map((r) => r.flush(7)))).some((n) => n > 0));
      expect(sent.map((s) => JSON.parse(s.value).openCount)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    });

    it('sends a row that a dead round had already written to Kafka only once', async () => {
      await db.query(`DELETE FROM outbox`);
      sent.length = 0;
      appendThenFail = 1;
      await db.transaction((manager) =>
        enqueueOutbox(
          manager,
          ['x', 'y', 'z'].map((key) => ({
            topic: Topics.userOpenTicketCount.name,
            key,
            value: count(key, 4),
          })),
        ),
      );
      const published = async () => new Set(sent.map((s) => s.outboxId));
      await expect(new OutboxRelay(db, producer, topics, { published }).flush(2)).rejects.toThrow(
        'timed out',
      );
      // Another instance takes over: x and y are in Kafka already, z was never sent.
      const successor = new OutboxRelay(db, producer, topics, { published });
      while ((await successor.flush(2)) > 0);
      expect(sent.map((s) => s.key)).toEqual(['x', 'y', 'z']);
      expect(await db.query(`SELECT id FROM outbox WHERE quarantined_at IS NULL`)).toEqual([]);
    });
  });
});
