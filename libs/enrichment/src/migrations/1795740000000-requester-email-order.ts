import { sqlMigration } from '@ticketflow/persistence';

/**
 * When each requester's stored email was true (the Zendesk update that carried it, or the read that returned it),
 * so an older email projected later never replaces a newer one. Existing rows have none: any source replaces them.
 */
export const RequesterEmailOrder1795740000000 = sqlMigration('RequesterEmailOrder1795740000000', {
  up: [`ALTER TABLE zendesk_requesters ADD COLUMN IF NOT EXISTS email_as_of timestamptz`],
  down: [`ALTER TABLE zendesk_requesters DROP COLUMN email_as_of`],
});
