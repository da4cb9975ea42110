import { sqlMigration } from '@ticketflow/persistence';

/** The trace of the change behind a mark, so the open set it causes continues that trace. */
export const OpenSetTrace1795690000000 = sqlMigration('OpenSetTrace1795690000000', {
  up: [`ALTER TABLE open_set_changes ADD COLUMN IF NOT EXISTS cause_traceparent text`],
  down: [`ALTER TABLE open_set_changes DROP COLUMN cause_traceparent`],
});
