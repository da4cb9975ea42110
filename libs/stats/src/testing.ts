import { serviceTestEnv, uniqueSuffix } from '@ticketflow/testing';
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
    ...serviceTestEnv(zendesk, schema),
    STATS_API_KEYS: TEST_API_KEY,
    STATS_BATCH_EVENTS_TOPIC: `stats.batch-events.v1.test-${suffix}`,
    STATS_HOURLY_TOPIC: `stats.hourly.v1.test-${suffix}`,
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
