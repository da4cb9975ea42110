import { uniqueSuffix } from '@ticketflow/testing';
import { EnrichmentEnv, type EnrichmentConfig } from './enrichment.config';

export const TEST_API_KEY = 'enrichment-test-api-key';

/** An enrichment config on test-unique topics, consumer group and Postgres schema, against a simulator. */
export function enrichmentConfig(
  zendesk: { url: string; email: string; token: string },
  schema: string,
  overrides: Record<string, string> = {},
): EnrichmentConfig {
  const suffix = uniqueSuffix();
  return EnrichmentEnv.parse({
    PORT: '0',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    DATABASE_URL: process.env['DATABASE_URL'],
    DATABASE_SCHEMA: schema,
    ZENDESK_BASE_URL: zendesk.url,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.token,
    ZENDESK_REQUESTS_PER_MINUTE: '100000',
    ZENDESK_INCREMENTAL_PER_MINUTE: '0',
    ENRICHMENT_API_KEYS: TEST_API_KEY,
    RECONCILE_INTERVAL_SECONDS: '0',
    RECONCILE_SETTLE_LAG_SECONDS: '0',
    CONSUMER_GROUP: `enrichment-${suffix}`,
    TICKET_EVENTS_TOPIC: `ticket.events.v1.test-${suffix}`,
    USER_EVENTS_TOPIC: `user.events.v1.test-${suffix}`,
    USER_OPEN_TICKETS_TOPIC: `user.open-tickets.v1.test-${suffix}`,
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}
