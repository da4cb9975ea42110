import { sqlMigration } from '@ticketflow/persistence';

/**
 * Who handles a ticket and what kind it is: its Zendesk group (the "sector"), type and tags, and the account's
 * group names. The columns are added without a default, so no existing row is rewritten; the ticket export's
 * cursor is cleared, so the next reconciliation pass reads every ticket again and fills them.
 */
export const TicketClassification1795710000000 = sqlMigration('TicketClassification1795710000000', {
  up: [
    `ALTER TABLE tickets ADD COLUMN group_id text, ADD COLUMN ticket_type text, ADD COLUMN tags jsonb`,
    `CREATE TABLE zendesk_groups (
       group_id text PRIMARY KEY,
       name text NOT NULL,
       refreshed_at timestamptz NOT NULL DEFAULT now()
     )`,
    `UPDATE reconciliation_state SET ticket_cursor = NULL`,
  ],
  down: [
    `DROP TABLE zendesk_groups`,
    `ALTER TABLE tickets DROP COLUMN group_id, DROP COLUMN ticket_type, DROP COLUMN tags`,
  ],
});
