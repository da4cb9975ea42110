import { createTestSchema, type TestSchema } from '@ticketflow/testing';
import type { DataSource } from 'typeorm';
import { ConsumerOffsetEntity, loadConsumerOffsets, saveConsumerOffsets } from './consumer-offset.entity';
import { openDatabase } from './data-source';
import { persistenceMigrations } from './index';

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
  });

  afterAll(async () => {
    await db.destroy();
    await schema.drop();
  });

  it('applies the migrations into the schema and records them', async () => {
    const applied = await db.query(`SELECT name FROM "${schema.schema}".typeorm_migrations`);
    expect(applied.map((row: { name: string }) => row.name)).toEqual(['ConsumerOffsets1795600000000']);
    expect(await db.showMigrations()).toBe(false); // nothing pending
  });

  it('upserts consumer offsets and reads them back', async () => {
    await saveConsumerOffsets(db.manager, 'g1', [
      { topic: 't', partition: 0, nextOffset: '10' },
      { topic: 't', partition: 1, nextOffset: '3' },
    ]);
    await saveConsumerOffsets(db.manager, 'g1', [{ topic: 't', partition: 0, nextOffset: '12' }]);
    const offsets = await loadConsumerOffsets(db.manager, 'g1', 't');
    expect(offsets.sort((a, b) => a.partition - b.partition)).toEqual([
      { topic: 't', partition: 0, nextOffset: '12' },
      { topic: 't', partition: 1, nextOffset: '3' },
    ]);
  });

  it('rolls offsets back with the transaction they were written in', async () => {
    await expect(
      db.transaction(async (manager) => {
        await saveConsumerOffsets(manager, 'g2', [{ topic: 't', partition: 0, nextOffset: '99' }]);
        throw new Error('projection failed');
      }),
    ).rejects.toThrow('projection failed');
    expect(await loadConsumerOffsets(db.manager, 'g2', 't')).toEqual([]);
  });

  it('refuses a negative offset', async () => {
    await expect(
      saveConsumerOffsets(db.manager, 'g3', [{ topic: 't', partition: 0, nextOffset: '-1' }]),
    ).rejects.toThrow(/check constraint/);
  });
});
