import { z } from 'zod';
import { EnvFields, serviceEnvFields } from '@ticketflow/config';

export const AlertingEnv = z
  .object({
    ...serviceEnvFields({ port: 3003, schema: 'alerting' }),
    /** Alert when a user has more than this many open tickets. */
    ALERT_THRESHOLD: z.coerce.number().int().min(0).default(3),
    /** Outgoing webhook (Slack-compatible body), signed with ALERT_WEBHOOK_SECRET. */
    ALERT_WEBHOOK_URL: z.url().optional(),
    ALERT_WEBHOOK_SECRET: z.string().min(8).optional(),
    /** Email: smtp://user:pass@host:port, with from and to addresses. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//)
      .optional(),
    ALERT_EMAIL_FROM: z.email().optional(),
    ALERT_EMAIL_TO: z.email().optional(),
    NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    /** Keys for GET /alerts (x-api-key or Authorization: Bearer), comma-separated. */
    ALERTING_API_KEYS: EnvFields.secretList,
    CONSUMER_GROUP: z.string().min(1).default('alerting'),
    USER_OPEN_TICKETS_TOPIC: z.string().min(1).default('user.open-tickets.v1'),
    USER_OPEN_TICKET_COUNT_TOPIC: z.string().min(1).default('user.open-ticket-count.v1'),
    USER_ALERTS_TOPIC: z.string().min(1).default('user.alerts.v1'),
  })
  .refine((c) => !c.ALERT_WEBHOOK_URL || c.ALERT_WEBHOOK_SECRET, {
    message: 'ALERT_WEBHOOK_SECRET is required with ALERT_WEBHOOK_URL',
    path: ['ALERT_WEBHOOK_SECRET'],
  })
  .refine((c) => !c.SMTP_URL || (c.ALERT_EMAIL_FROM && c.ALERT_EMAIL_TO), {
    message: 'ALERT_EMAIL_FROM and ALERT_EMAIL_TO are required with SMTP_URL',
    path: ['SMTP_URL'],
  });
export type AlertingConfig = z.infer<typeof AlertingEnv>;
