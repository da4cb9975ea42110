import { z } from 'zod';
import { EnvFields } from '@ticketflow/config';

export const EnrichmentEnv = z.object({
  PORT: EnvFields.port(3002),
  KAFKA_BROKERS: EnvFields.kafkaBrokers,
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  DATABASE_URL: EnvFields.databaseUrl,
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  /** Zendesk API: https://<subdomain>.zendesk.com, an admin's email and an API token. */
  ZENDESK_BASE_URL: z.url(),
  ZENDESK_EMAIL: z.email(),
  ZENDESK_API_TOKEN: z.string().min(8),
  ZENDESK_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(400),
  /** Zendesk's incremental-export budget per account, shared with the stats-collector through Postgres; 0 = off. */
  ZENDESK_INCREMENTAL_PER_MINUTE: z.coerce.number().int().min(0).default(10),
  /** Keys accepted by the query API (x-api-key or Authorization: Bearer), comma-separated. */
  ENRICHMENT_API_KEYS: EnvFields.secretList,
  /** Seconds between reconciliation passes; 0 = only on demand (POST /admin/reconcile). */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  RECONCILE_INITIAL_START_TIME: z.coerce.number().int().min(0).default(0),
  RECONCILE_SETTLE_LAG_SECONDS: z.coerce.number().int().min(0).default(300),
  CONSUMER_GROUP: z.string().min(1).default('enrichment'),
  TICKET_EVENTS_TOPIC: z.string().min(1).default('ticket.events.v1'),
  USER_EVENTS_TOPIC: z.string().min(1).default('user.events.v1'),
  USER_OPEN_TICKETS_TOPIC: z.string().min(1).default('user.open-tickets.v1'),
  LOG_LEVEL: EnvFields.logLevel,
});
export type EnrichmentConfig = z.infer<typeof EnrichmentEnv>;
