import type { DataSource, MigrationInterface } from 'typeorm';
import { ConsumerOffsetEntity, openDatabase, persistenceMigrations } from '@ticketflow/persistence';
import { createTestSchema } from './postgres';

/** A library's tables migrated on a fresh test schema (after persistence's offsets and outbox); `close` drops it. */
export async function openTestDatabase(
  prefix: string,
  migrations: (new () => MigrationInterface)[],
): Promise<{ db: DataSource; close: () => Promise<void> }> {
  const schema = await createTestSchema(prefix);
  const db = await openDatabase({
    url: schema.url,
    schema: schema.schema,
    entities: [ConsumerOffsetEntity],
    migrations: [...persistenceMigrations, ...migrations],
  });
  return {
    db,
    close: async () => {
      await db.destroy();
      await schema.drop();
    },
  };
}
