import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every revision of a stored window, logged: a stored row changes only through one of these. */
export class StatsRevisions1795670000000 implements MigrationInterface {
  name = 'StatsRevisions1795670000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE stats_hourly ADD COLUMN revised_at timestamptz`);
    await runner.query(`
      CREATE TABLE stats_hourly_revision (
        window_start timestamptz NOT NULL REFERENCES stats_hourly (window_start),
        revision integer NOT NULL,
        previous_revision integer NOT NULL,
        previous_result_sha256 text NOT NULL,
        result_sha256 text NOT NULL,
        previous_result jsonb NOT NULL,
        diff jsonb NOT NULL,
        revised_at timestamptz NOT NULL,
        PRIMARY KEY (window_start, revision)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE stats_hourly_revision`);
    await runner.query(`ALTER TABLE stats_hourly DROP COLUMN revised_at`);
  }
}
