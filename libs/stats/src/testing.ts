import { uniqueSuffix } from '@ticketflow/testing';
import { StatsCollectorEnv, type StatsCollectorConfig } from './stats-collector.config';

export const TEST_API_KEY = 'stats-test-api-key';

/** The environment of a stats-collector on test-unique topics and Postgres schema, against a simulator. */
export function statsEnv(
  zendesk: { url: string; email: string; token: string },
  schema: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const suffix = uniqueSuffix();
  return {
    PORT: '0',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS']!,
    DATABASE_URL: process.env['DATABASE_URL']!,
    DATABASE_SCHEMA: schema,
    ZENDESK_BASE_URL: zendesk.url,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.token,
    ZENDESK_REQUESTS_PER_MINUTE: '100000',
    ZENDESK_INCREMENTAL_PER_MINUTE: '0',
    STATS_API_KEYS: TEST_API_KEY,
    STATS_BATCH_EVENTS_TOPIC: `stats.batch-events.v1.test-${suffix}`,
    STATS_HOURLY_TOPIC: `stats.hourly.v1.test-${suffix}`,
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

export function statsConfig(
  zendesk: { url: string; email: string; token: string },
  schema: string,
  overrides: Record<string, string> = {},
): StatsCollectorConfig {
  return StatsCollectorEnv.parse(statsEnv(zendesk, schema, overrides));
}
