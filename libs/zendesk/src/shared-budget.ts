import type { Pool } from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One schema for every service that calls the same Zendesk account, whatever schema each owns. */
const SCHEMA = 'zendesk_budget';
const TABLE = 'rate_limits';

/**
 * Zendesk's incremental exports allow 10 requests per minute per account, whoever sends them: the reconciler and
 * the stats collector share one budget, kept in Postgres (`rate-limiter-flexible`), so together they stay under it
 * instead of each meeting 429s. Pass the result as `ZendeskClientOptions.incrementalLimiter`.
 */
export function sharedIncrementalBudget(pool: Pool, perMinute = 10): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: pool,
    schemaName: SCHEMA,
    tableName: TABLE,
    tableCreated: true, // by the migration below, never at run time
    points: perMinute,
    duration: 60,
    keyPrefix: 'zendesk',
  });
}

/** The budget's table; every service using the shared budget lists this migration (it is idempotent). */
export class ZendeskBudget1795650000000 implements MigrationInterface {
  name = 'ZendeskBudget1795650000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await runner.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
  }

  async down(): Promise<void> {
    // Shared with other services' migrations: left in place.
  }
}
