import { sqlMigration } from '@ticketflow/persistence';

/** The version of the open set each user's state was decided from: older or repeated sets are ignored. */
export const AlertStateVersion1795640000000 = sqlMigration('AlertStateVersion1795640000000', {
  up: [`ALTER TABLE alert_user_state ADD COLUMN version bigint`],
  down: [`ALTER TABLE alert_user_state DROP COLUMN version`],
});
