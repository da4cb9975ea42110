import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-user open set is published from committed state (change markers + the last published set) instead of
 * summaries computed inside concurrent projection transactions. Existing users are marked once so the publisher
 * republishes their current set; summaries still queued in the outbox were computed the old way and are dropped.
 */
export class OpenSetPublisher1795640000000 implements MigrationInterface {
  name = 'OpenSetPublisher1795640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE open_set_changes (
        id             bigserial PRIMARY KEY,
        ticket_id      text,
        requester_id   text,
        user_id        text,
        cause_event_id text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        CHECK (num_nonnulls(ticket_id, requester_id, user_id) = 1)
      )`);
    await q.query(`
      CREATE TABLE published_open_sets (
        user_id         text PRIMARY KEY,
        open_ticket_ids text[] NOT NULL,
        version         bigint NOT NULL,
        published_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX published_open_sets_tickets ON published_open_sets USING gin (open_ticket_ids)`,
    );
    await q.query(`CREATE SEQUENCE open_set_version`);
    await q.query(`INSERT INTO open_set_changes (user_id) SELECT user_id FROM company_users`);
    await q.query(`DELETE FROM outbox`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE open_set_version`);
    await q.query(`DROP TABLE published_open_sets`);
    await q.query(`DROP TABLE open_set_changes`);
  }
}
