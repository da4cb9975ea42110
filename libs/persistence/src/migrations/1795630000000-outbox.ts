import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox belongs with its relay, and only this migration creates it. Databases made by earlier releases already
 * have the table (their enrichment or alerting migration created it then), so it is created only when missing; rows that can never be sent are
 * quarantined in place with their reason instead of blocking the rows behind them; `attempted_at` marks rows a relay
 * began to send, which the next round checks against the topic before sending them again.
 */
export class Outbox1795630000000 implements MigrationInterface {
  name = 'Outbox1795630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS outbox (
        id         bigserial PRIMARY KEY,
        topic      text NOT NULL,
        key        text NOT NULL,
        value      jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS quarantined_at timestamptz`);
    await q.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS error text`);
    await q.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS attempted_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox`);
  }
}
