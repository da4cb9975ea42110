import { sqlMigration } from '@ticketflow/persistence';

/** Every revision of a stored window, logged: a stored row changes only through one of these. */
export const StatsRevisions1795670000000 = sqlMigration('StatsRevisions1795670000000', {
  up: [
    `ALTER TABLE stats_hourly ADD COLUMN revised_at timestamptz`,
    `CREATE TABLE stats_hourly_revision (
        window_start timestamptz NOT NULL REFERENCES stats_hourly (window_start),
        revision integer NOT NULL,
        previous_revision integer NOT NULL,
        previous_result_sha256 text NOT NULL,
        result_sha256 text NOT NULL,
        previous_result jsonb NOT NULL,
        diff jsonb NOT NULL,
        revised_at timestamptz NOT NULL,
        PRIMARY KEY (window_start, revision)
      )`,
  ],
  down: [`DROP TABLE stats_hourly_revision`, `ALTER TABLE stats_hourly DROP COLUMN revised_at`],
});
