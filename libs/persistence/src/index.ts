export * from './data-source';
export * from './consumer-offset.entity';
export * from './outbox-relay';
import { ConsumerOffsets1795600000000 } from './migrations/1795600000000-consumer-offsets';
import { Outbox1795630000000 } from './migrations/1795630000000-outbox';
import { OutboxHeaders1795680000000 } from './migrations/1795680000000-outbox-headers';

/** Migrations every service with a Kafka projection includes. */
export const persistenceMigrations = [
  ConsumerOffsets1795600000000,
  Outbox1795630000000,
  OutboxHeaders1795680000000,
];
export * from './fenced-projection';
export * from './rounds';
export * from './sql-migration';
