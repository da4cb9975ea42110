import { sqlMigration } from '../sql-migration';

/**
 * The outbox belongs with its relay, and only this migration creates it. Databases made by earlier releases already
 * have the table (their enrichment or alerting migration created it then), so it is created only when missing. Rows
 * that can never be sent are quarantined in place with their reason instead of blocking the rows behind them;
 * `attempted_at` marks rows a relay began to send, which the next round checks against the topic before sending
 * them again.
 */
export const Outbox1795630000000 = sqlMigration('Outbox1795630000000', {
  up: [
    `CREATE TABLE IF NOT EXISTS outbox (
        id         bigserial PRIMARY KEY,
        topic      text NOT NULL,
        key        text NOT NULL,
        value      jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    `ALTER TABLE outbox ADD COLUMN IF NOT EXISTS quarantined_at timestamptz`,
    `ALTER TABLE outbox ADD COLUMN IF NOT EXISTS error text`,
    `ALTER TABLE outbox ADD COLUMN IF NOT EXISTS attempted_at timestamptz`,
  ],
  down: [`DROP TABLE outbox`],
});
