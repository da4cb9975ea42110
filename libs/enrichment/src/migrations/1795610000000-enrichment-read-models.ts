import { sqlMigration } from '@ticketflow/persistence';

// The outbox table is persistence's (Outbox1795630000000); releases before it created it here.
export const EnrichmentReadModels1795610000000 = sqlMigration('EnrichmentReadModels1795610000000', {
  up: [
    `CREATE TABLE company_users (
        user_id          text PRIMARY KEY,
        email            text NOT NULL,
        email_normalized text NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX company_users_email ON company_users (email_normalized)`,
    `CREATE TABLE zendesk_requesters (requester_id text PRIMARY KEY, email_normalized text NOT NULL, resolved_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX zendesk_requesters_email ON zendesk_requesters (email_normalized)`,
    `CREATE TABLE tickets (
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
      )`,
    `CREATE INDEX tickets_requester ON tickets (requester_id, ticket_id)`,
    `CREATE TABLE ticket_status_history (
        ticket_id       text NOT NULL,
        sequence_id     text NOT NULL,
        to_status       text NOT NULL,
        from_status     text,
        occurred_at     timestamptz NOT NULL,
        source_event_id text NOT NULL,
        authoritative   boolean NOT NULL,
        PRIMARY KEY (ticket_id, sequence_id, to_status)
      )`,
    `CREATE INDEX ticket_status_history_time ON ticket_status_history (ticket_id, occurred_at)`,
    `CREATE TABLE reconciliation_state (
        name             text PRIMARY KEY,
        ticket_cursor    text,
        audit_start_time bigint NOT NULL,
        watermark        bigint NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`,
  ],
  down: [
    `DROP TABLE reconciliation_state`,
    `DROP TABLE ticket_status_history`,
    `DROP TABLE tickets`,
    `DROP TABLE zendesk_requesters`,
    `DROP TABLE company_users`,
  ],
});
