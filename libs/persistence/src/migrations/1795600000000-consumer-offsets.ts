import { sqlMigration } from '../sql-migration';

export const ConsumerOffsets1795600000000 = sqlMigration('ConsumerOffsets1795600000000', {
  up: [
    `CREATE TABLE kafka_consumer_offsets (
        group_id    text        NOT NULL,
        topic       text        NOT NULL,
        partition   integer     NOT NULL,
        next_offset bigint      NOT NULL CHECK (next_offset >= 0),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`,
  ],
  down: [`DROP TABLE kafka_consumer_offsets`],
});
