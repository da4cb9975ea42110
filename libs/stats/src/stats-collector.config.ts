import { z } from 'zod';
import { EnvFields, serviceEnvFields, zendeskApiEnvFields } from '@ticketflow/config';

export const StatsCollectorEnv = z.object({
  ...serviceEnvFields({ port: 3004, schema: 'stats' }),
  ...zendeskApiEnvFields,
  /** Items per export page asked for (Zendesk's maximum, 1000; halved after a 504). */
  STATS_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(1000),
  /** Per-attempt deadline of a Zendesk request. */
  ZENDESK_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * Where both export walks start: an ISO 8601 time, or `-N` for N seconds before the process started (local
   * runs). The first window is the first whole one after it.
   */
  STATS_START_TIME: z
    .union([z.iso.datetime({ offset: true }), z.string().regex(/^-\d+$/, 'ISO 8601, or -N seconds')])
    .transform((value) =>
      value.startsWith('-')
        ? Math.floor(Date.now() / 1000) + Number(value)
        : Math.floor(Date.parse(value) / 1000),
    ),
  /** Window length: 3600 (hourly) in production; shorter to see windows complete within minutes. */
  STATS_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .refine((s) => s >= 60 && 86_400 % s === 0, 'a divisor of 86400, at least 60')
    .default(3600),
  /** Waited after a window's end (and the export's last minute) for records Zendesk shows late. */
  STATS_SETTLE_SECONDS: z.coerce.number().int().min(0).default(300),
  /**
   * A stored window's solves are read again this long after storing it; other facts are stored as a logged
   * revision (`stats.hour.revised`). 0 = never.
   */
  STATS_VERIFY_AFTER_SECONDS: z.coerce.number().int().min(0).default(86_400),
  /** `continuous`: a long-running service; `once`: finish what is due and exit (the chart's CronJob). */
  STATS_MODE: z.enum(['continuous', 'once']).default('continuous'),
  /** Keys for GET /stats and POST /admin/stats/run (x-api-key or Authorization: Bearer), comma-separated. */
  STATS_API_KEYS: EnvFields.secretList,
  STATS_BATCH_EVENTS_TOPIC: z.string().min(1).default('stats.batch-events.v1'),
  STATS_HOURLY_TOPIC: z.string().min(1).default('stats.hourly.v1'),
});
export type StatsCollectorConfig = z.infer<typeof StatsCollectorEnv>;
