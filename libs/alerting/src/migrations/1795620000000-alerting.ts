import type { MigrationInterface, QueryRunner } from 'typeorm';

// The outbox table is persistence's (Outbox1795630000000); releases before it created it here.
export class Alerting1795620000000 implements MigrationInterface {
  name = 'Alerting1795620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_user_state (
        user_id          text PRIMARY KEY,
        open_ticket_ids  text[] NOT NULL,
        open_count       integer NOT NULL,
        above            boolean NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE alert_history (
        alert_id              text PRIMARY KEY,
        user_id               text NOT NULL,
        kind                  text NOT NULL CHECK (kind IN ('exceeded', 'recovered')),
        open_count            integer NOT NULL,
        open_ticket_ids       text[] NOT NULL,
        threshold             integer NOT NULL,
        occurred_at           timestamptz NOT NULL,
        notification_status   text NOT NULL DEFAULT 'pending' CHECK (notification_status IN ('pending', 'sent', 'failed', 'none')),
        notification_attempts integer NOT NULL DEFAULT 0,
        notification_error    text,
        notified_at           timestamptz
      )`);
    await q.query(`CREATE INDEX alert_history_user ON alert_history (user_id, occurred_at DESC)`);
    await q.query(
      `CREATE INDEX alert_history_pending ON alert_history (occurred_at) WHERE notification_status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['alert_history', 'alert_user_state']) await q.query(`DROP TABLE ${table}`);
  }
}
