import { serviceTestEnv, uniqueSuffix } from '@ticketflow/testing';
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
    ...serviceTestEnv(zendesk, schema),
    ENRICHMENT_API_KEYS: TEST_API_KEY,
    RECONCILE_INTERVAL_SECONDS: '0',
    RECONCILE_SETTLE_LAG_SECONDS: '0',
    CONSUMER_GROUP: `enrichment-${suffix}`,
    TICKET_EVENTS_TOPIC: `ticket.events.v1.test-${suffix}`,
    USER_EVENTS_TOPIC: `user.events.v1.test-${suffix}`,
    USER_OPEN_TICKETS_TOPIC: `user.open-tickets.v1.test-${suffix}`,
    ...overrides,
  });
}
