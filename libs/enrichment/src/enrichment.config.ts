import { z } from 'zod';
import { EnvFields, serviceEnvFields, zendeskApiEnvFields } from '@ticketflow/config';

export const EnrichmentEnv = z.object({
  ...serviceEnvFields({ port: 3002, schema: 'public' }),
  ...zendeskApiEnvFields,
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
});
export type EnrichmentConfig = z.infer<typeof EnrichmentEnv>;
