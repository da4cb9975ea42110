import { sqlMigration } from '../sql-migration';

/** The trace context of the transaction that enqueued a row, so the relayed message continues its trace. */
export const OutboxHeaders1795680000000 = sqlMigration('OutboxHeaders1795680000000', {
  up: [`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS headers jsonb`],
  down: [`ALTER TABLE outbox DROP COLUMN headers`],
});
