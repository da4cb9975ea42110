import { sqlMigration } from '@ticketflow/persistence';

/**
 * Custom ticket field values (by field id), so a deployment can show its own "sector" field. Added without a
 * default (no row rewritten); the ticket export's cursor is cleared, so the next reconciliation pass fills them.
 */
export const TicketCustomFields1795730000000 = sqlMigration('TicketCustomFields1795730000000', {
  up: [
    `ALTER TABLE tickets ADD COLUMN custom_fields jsonb`,
    `UPDATE reconciliation_state SET ticket_cursor = NULL`,
  ],
  down: [`ALTER TABLE tickets DROP COLUMN custom_fields`],
});
