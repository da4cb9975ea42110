import { sqlMigration } from '@ticketflow/persistence';

/**
 * Users whose latest open-set send was not acknowledged (timed out, failed, or the process died during it): Kafka
 * may hold that set as the user's last record although the database never recorded it, so the next round
 * republishes their current set even when it equals the recorded one.
 */
export const OpenSetsInDoubt1795720000000 = sqlMigration('OpenSetsInDoubt1795720000000', {
  up: [`CREATE TABLE IF NOT EXISTS open_sets_in_doubt (user_id text PRIMARY KEY)`],
  down: [`DROP TABLE open_sets_in_doubt`],
});
