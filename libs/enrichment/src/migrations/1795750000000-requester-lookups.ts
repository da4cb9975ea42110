import { sqlMigration } from '@ticketflow/persistence';

/**
 * Requesters whose email is still to be read from Zendesk, with when to ask: the projection records them in its
 * batch transaction, so finding them is a read of this small table instead of a scan of every ticket.
 */
export const RequesterLookups1795750000000 = sqlMigration('RequesterLookups1795750000000', {
  up: [
    // No unique key: a batch recording a requester never waits for another transaction that records or settles it
    // (the same requester in two partitions' batches, or the resolver storing its email); a rare duplicate is
    // settled with the rest.
    `CREATE TABLE IF NOT EXISTS requester_lookups (
       requester_id text NOT NULL,
       ask_after timestamptz NOT NULL DEFAULT '-infinity'
     )`,
    `CREATE INDEX IF NOT EXISTS requester_lookups_requester ON requester_lookups (requester_id)`,
    `CREATE INDEX IF NOT EXISTS requester_lookups_due ON requester_lookups (ask_after)`,
    // Tickets stored before this version whose requester is still unknown: the service's scan at start records them
    // (reconcileRequesterLookups), as it does what a previous version's pod leaves later.
  ],
  down: [`DROP TABLE requester_lookups`],
});
