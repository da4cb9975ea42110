import { Pool } from 'pg';
import { ZendeskClient, type ZendeskClientOptions } from './client';
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
    // A second more than Zendesk's minute: our window opens a few ms before Zendesk's sees the request, and a
    // request sent as ours closes must not arrive before Zendesk's closes.
    duration: 61,
    keyPrefix: 'zendesk',
  });
}

/** The shared budget on a small pool of its own, or null when `perMinute` is 0 (off); close it on shutdown. */
export function openIncrementalBudget(
  databaseUrl: string,
  perMinute: number,
): { limiter: RateLimiterPostgres; close: () => Promise<void> } | null {
  if (perMinute <= 0) return null;
  const pool = new Pool({ connectionString: databaseUrl, max: 2, application_name: 'zendesk-budget' });
  // An idle connection dropped by a Postgres restart is replaced on next use; unheard, it would end the process.
  pool.on('error', () => undefined);
  return { limiter: sharedIncrementalBudget(pool, perMinute), close: () => pool.end() };
}

/** Zendesk's REST API settings as the services' env holds them (`zendeskApiEnvFields`). */
export interface ZendeskApiEnv {
  DATABASE_URL: string;
  ZENDESK_BASE_URL: string;
  ZENDESK_EMAIL: string;
  ZENDESK_API_TOKEN: string;
  ZENDESK_REQUESTS_PER_MINUTE: number;
  ZENDESK_INCREMENTAL_PER_MINUTE: number;
}

/** A client on the account's shared incremental budget (when on); `close` ends the budget's pool. */
export function openZendeskClient(
  env: ZendeskApiEnv,
  options: Omit<
    ZendeskClientOptions,
    'baseUrl' | 'email' | 'apiToken' | 'requestsPerMinute' | 'incrementalLimiter'
  > = {},
): { client: ZendeskClient; close: () => Promise<void> } {
  const budget = openIncrementalBudget(env.DATABASE_URL, env.ZENDESK_INCREMENTAL_PER_MINUTE);
  const client = new ZendeskClient({
    baseUrl: env.ZENDESK_BASE_URL,
    email: env.ZENDESK_EMAIL,
    apiToken: env.ZENDESK_API_TOKEN,
    requestsPerMinute: env.ZENDESK_REQUESTS_PER_MINUTE,
    incrementalLimiter: budget?.limiter,
    ...options,
  });
  return {
    client,
    close: async () => {
      client.close();
      await budget?.close();
    },
  };
}

/** The budget's table; every service using the shared budget lists this migration (it is idempotent). */
export class ZendeskBudget1795650000000 implements MigrationInterface {
  name = 'ZendeskBudget1795650000000';

  async up(runner: QueryRunner): Promise<void> {
    // Services starting together would race on CREATE SCHEMA IF NOT EXISTS (a unique violation): one at a time.
    await runner.query(`SELECT pg_advisory_xact_lock(hashtext('${SCHEMA}.migration'))`);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await runner.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
  }

  async down(): Promise<void> {
    // Shared with other services' migrations: left in place.
  }
}
