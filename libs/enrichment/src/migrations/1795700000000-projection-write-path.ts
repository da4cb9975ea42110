import { sqlMigration } from '@ticketflow/persistence';

/**
 * Cheaper projection writes. Tickets leave room on each page so a status change is a heap-only update (no index
 * writes; takes effect for pages written from now on, nothing is rewritten). The history's time index goes: the
 * primary key's leading ticket_id serves the per-ticket read, whose few rows are sorted in memory.
 */
export const ProjectionWritePath1795700000000 = sqlMigration('ProjectionWritePath1795700000000', {
  up: [`ALTER TABLE tickets SET (fillfactor = 70)`, `DROP INDEX IF EXISTS ticket_status_history_time`],
  down: [
    `CREATE INDEX IF NOT EXISTS ticket_status_history_time ON ticket_status_history (ticket_id, occurred_at)`,
    `ALTER TABLE tickets RESET (fillfactor)`,
  ],
});
