import { z } from 'zod';
import { EnvFields, serviceEnvFields, zendeskApiEnvFields } from '@ticketflow/config';

/** One exposed custom ticket field: the name the API shows it under, and its Zendesk field id. */
export interface CustomFieldSpec {
  name: string;
  id: string;
}

/** `sector=360010000001,order_number=360010000002`: names unique, ids Zendesk field ids. */
const CustomFieldList = z
  .string()
  .default('')
  .transform((value, ctx): CustomFieldSpec[] => {
    const specs: CustomFieldSpec[] = [];
    for (const item of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([A-Za-z][A-Za-z0-9_]{0,63})=(\d{1,20})$/.exec(item);
      if (!m) ctx.addIssue({ code: 'custom', message: `"${item}" is not name=<Zendesk field id>` });
      else if (specs.some((s) => s.name === m[1]))
        ctx.addIssue({ code: 'custom', message: `"${m[1]}" is named twice` });
      else specs.push({ name: m[1]!, id: m[2]! });
    }
    return specs;
  });

export const EnrichmentEnv = z.object({
  ...serviceEnvFields({ port: 3002, schema: 'public' }),
  ...zendeskApiEnvFields,
  /** Keys accepted by the query API (x-api-key or Authorization: Bearer), comma-separated. */
  ENRICHMENT_API_KEYS: EnvFields.secretList,
  /** Seconds between reconciliation passes; 0 = only on demand (POST /admin/reconcile). */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  RECONCILE_INITIAL_START_TIME: z.coerce.number().int().min(0).default(0),
  RECONCILE_SETTLE_LAG_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Secrets signing per-user stream tokens, comma-separated (the first signs, all verify); none: no tokens. */
  STREAM_TOKEN_SECRETS: EnvFields.secretList.optional(),
  /** How long a stream token opens its user's stream (checked when the stream opens). */
  STREAM_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /** Custom ticket fields the API and stream show, by name: `name=<field id>,…` (empty: none). */
  TICKET_CUSTOM_FIELDS: CustomFieldList,
  CONSUMER_GROUP: z.string().min(1).default('enrichment'),
  TICKET_EVENTS_TOPIC: z.string().min(1).default('ticket.events.v1'),
  USER_EVENTS_TOPIC: z.string().min(1).default('user.events.v1'),
  USER_OPEN_TICKETS_TOPIC: z.string().min(1).default('user.open-tickets.v1'),
});
export type EnrichmentConfig = z.infer<typeof EnrichmentEnv>;
