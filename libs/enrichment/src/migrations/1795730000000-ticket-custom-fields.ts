import { sqlMigration } from '@ticketflow/persistence';

/**
 * Custom ticket field values (by field id), so a deployment can show its own "sector" field. Added without a
 * default (no row rewritten). The next reconciliation pass reads every ticket again to fill them: it resumes from a
 * new, empty cursor column rather than a cleared one, which a pod of the previous version still mid-pass during a
 * rolling deploy would write back. The old column stays for those pods until a later migration drops it.
 */
export const TicketCustomFields1795730000000 = sqlMigration('TicketCustomFields1795730000000', {
  up: [
    `ALTER TABLE tickets ADD COLUMN IF NOT EXISTS custom_fields jsonb`,
    `ALTER TABLE reconciliation_state ADD COLUMN IF NOT EXISTS export_cursor text`,
  ],
  down: [
    `ALTER TABLE reconciliation_state DROP COLUMN export_cursor`,
    `ALTER TABLE tickets DROP COLUMN custom_fields`,
  ],
});
