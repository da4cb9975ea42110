import { sqlMigration } from '@ticketflow/persistence';

// The outbox table is persistence's (Outbox1795630000000); releases before it created it here.
export const Alerting1795620000000 = sqlMigration('Alerting1795620000000', {
  up: [
    `CREATE TABLE alert_user_state (
        user_id          text PRIMARY KEY,
        open_ticket_ids  text[] NOT NULL,
        open_count       integer NOT NULL,
        above            boolean NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE TABLE alert_history (
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
      )`,
    `CREATE INDEX alert_history_user ON alert_history (user_id, occurred_at DESC)`,
    `CREATE INDEX alert_history_pending ON alert_history (occurred_at) WHERE notification_status = 'pending'`,
  ],
  down: [`DROP TABLE alert_history`, `DROP TABLE alert_user_state`],
});
