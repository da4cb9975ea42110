import { z } from 'zod';
import { EnvFields, accessEnvFields } from '@ticketflow/config';

export const GatewayEnv = z.object({
  PORT: EnvFields.port(3001),
  HOST: EnvFields.host,
  KAFKA_BROKERS: EnvFields.kafkaBrokers,
  /** Replication of the topics the gateway creates when missing (3 on a production cluster). */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  /** Zendesk signing secrets, comma-separated; several during a rotation. */
  ZENDESK_WEBHOOK_SECRETS: EnvFields.secretList,
  /** Accepted age of a signature timestamp, against replays. */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).default(300),
  /**
   * How far after now a ticket time (event time, updated_at, created_at) may be: clock skew. A later one is refused
   * (400 future-timestamp), since snapshots are ordered by it. Under a minute would refuse real webhooks of a
   * Zendesk whose clock runs a little ahead; over a day would let one bad time outrank a day of real changes.
   */
  WEBHOOK_FUTURE_TOLERANCE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  /** Zendesk's trigger payloads stop at 16,000 characters; event payloads are far smaller. */
  WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(256 * 1024),
  /** Answer 503 before Zendesk's 12 s timeout when Kafka does not acknowledge in time. */
  PRODUCE_TIMEOUT_MS: z.coerce.number().int().min(100).default(8_000),
  /** Seconds Zendesk is told to wait before retrying (it retries 503 only under 60 s). */
  RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(59).default(10),
  /** Recently acknowledged Zendesk event ids remembered per instance, to drop duplicate deliveries early. */
  DEDUP_CACHE_SIZE: z.coerce.number().int().min(0).default(100_000),
  /** Topic for ticket events; override to run several environments on one cluster. */
  TICKET_EVENTS_TOPIC: z.string().min(1).default('ticket.events.v1'),
  LOG_LEVEL: EnvFields.logLevel,
  // The gateway has no keyed API; admin keys only ever open /metrics and /docs (OPS_ENDPOINTS=admin).
  ...accessEnvFields,
});
export type GatewayConfig = z.infer<typeof GatewayEnv>;
