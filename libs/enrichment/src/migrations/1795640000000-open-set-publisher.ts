import { sqlMigration } from '@ticketflow/persistence';

/**
 * The per-user open set is published from committed state (change markers + the last published set) instead of
 * summaries computed inside concurrent projection transactions. Existing users are marked once so the publisher
 * republishes their current set; summaries still queued in the outbox were computed the old way and are dropped.
 */
export const OpenSetPublisher1795640000000 = sqlMigration('OpenSetPublisher1795640000000', {
  up: [
    `CREATE TABLE open_set_changes (
        id             bigserial PRIMARY KEY,
        ticket_id      text,
        requester_id   text,
        user_id        text,
        cause_event_id text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        CHECK (num_nonnulls(ticket_id, requester_id, user_id) = 1)
      )`,
    `CREATE TABLE published_open_sets (
        user_id         text PRIMARY KEY,
        open_ticket_ids text[] NOT NULL,
        version         bigint NOT NULL,
        published_at    timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX published_open_sets_tickets ON published_open_sets USING gin (open_ticket_ids)`,
    `CREATE SEQUENCE open_set_version`,
    `INSERT INTO open_set_changes (user_id) SELECT user_id FROM company_users`,
    `DELETE FROM outbox`,
  ],
  down: [`DROP SEQUENCE open_set_version`, `DROP TABLE published_open_sets`, `DROP TABLE open_set_changes`],
});
