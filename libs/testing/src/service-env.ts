/** The admin key of every test service (POST /admin/...). */
export const TEST_ADMIN_API_KEY = 'test-admin-api-key';

/**
 * The environment every test service shares: port 0, the harness's Kafka and Postgres, a test schema, and a
 * simulator as Zendesk without client-side limits (the simulator enforces Zendesk's own).
 */
export function serviceTestEnv(
  zendesk: { url: string; email: string; token: string },
  schema: string,
): Record<string, string> {
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
    LOG_LEVEL: 'warn',
    ADMIN_API_KEYS: TEST_ADMIN_API_KEY,
  };
}
