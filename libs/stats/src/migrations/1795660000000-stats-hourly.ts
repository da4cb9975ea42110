import { sqlMigration } from '@ticketflow/persistence';

/** Completed windows and their agents' figures: written once per window, only when its batch is complete. */
export const StatsHourly1795660000000 = sqlMigration('StatsHourly1795660000000', {
  up: [
    `CREATE TABLE stats_hourly (
        window_start timestamptz PRIMARY KEY,
        window_end timestamptz NOT NULL,
        window_seconds integer NOT NULL,
        definition_version integer NOT NULL,
        revision integer NOT NULL,
        solved_count integer NOT NULL,
        resolution_seconds_sum bigint NOT NULL,
        average_resolution_seconds double precision,
        median_resolution_seconds double precision,
        unattributed_solves integer NOT NULL,
        most_efficient_agent_id text,
        fastest_agent_id text,
        result jsonb NOT NULL,
        result_sha256 text NOT NULL,
        sources jsonb NOT NULL,
        completed_at timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE TABLE stats_hourly_agent (
        window_start timestamptz NOT NULL REFERENCES stats_hourly (window_start) ON DELETE CASCADE,
        agent_id text NOT NULL,
        solved_count integer NOT NULL,
        resolution_seconds_sum bigint NOT NULL,
        PRIMARY KEY (window_start, agent_id)
      )`,
  ],
  down: [`DROP TABLE stats_hourly_agent`, `DROP TABLE stats_hourly`],
});
