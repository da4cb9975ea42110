import type { MigrationInterface, QueryRunner } from 'typeorm';

// The outbox table is persistence's (Outbox1795630000000); releases before it created it here.
export class EnrichmentReadModels1795610000000 implements MigrationInterface {
  name = 'EnrichmentReadModels1795610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE company_users (
        user_id          text PRIMARY KEY,
        email            text NOT NULL,
        email_normalized text NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX company_users_email ON company_users (email_normalized)`);
    await q.query(`
      CREATE TABLE zendesk_requesters (
        requester_id     text PRIMARY KEY,
        email_normalized text NOT NULL,
        resolved_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX zendesk_requesters_email ON zendesk_requesters (email_normalized)`);
    await q.query(`
      CREATE TABLE tickets (
        ticket_id        text PRIMARY KEY,
        requester_id     text,
        subject          text,
        status           text NOT NULL,
        status_category  text,
        custom_status_id text,
        priority         text,
        assignee_id      text,
        created_at       timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        solved_at        timestamptz,
        open             boolean NOT NULL,
        deleted          text CHECK (deleted IN ('soft', 'permanent')),
        order_key        text NOT NULL,
        last_event_id    text NOT NULL,
        projected_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tickets_requester ON tickets (requester_id, ticket_id)`);
    await q.query(`
      CREATE TABLE ticket_status_history (
        ticket_id       text NOT NULL,
        sequence_id     text NOT NULL,
        to_status       text NOT NULL,
        from_status     text,
        occurred_at     timestamptz NOT NULL,
        source_event_id text NOT NULL,
        authoritative   boolean NOT NULL,
        PRIMARY KEY (ticket_id, sequence_id, to_status)
      )`);
    await q.query(
      `CREATE INDEX ticket_status_history_time ON ticket_status_history (ticket_id, occurred_at)`,
    );
    await q.query(`
      CREATE TABLE reconciliation_state (
        name             text PRIMARY KEY,
        ticket_cursor    text,
        audit_start_time bigint NOT NULL,
        watermark        bigint NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'reconciliation_state',
      'ticket_status_history',
      'tickets',
      'zendesk_requesters',
      'company_users',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
