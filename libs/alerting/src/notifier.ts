import { createHmac } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { DataSource } from 'typeorm';

export interface AlertRecord {
  alertId: string;
  userId: string;
  kind: 'exceeded' | 'recovered';
  openCount: number;
  openTicketIds: string[];
  threshold: number;
  occurredAt: string;
}

/** Where alerts go; `send` throws when the channel did not take the alert. */
export interface NotificationChannel {
  readonly name: string;
  send(alert: AlertRecord): Promise<void>;
}

export const alertText = (a: AlertRecord) =>
  a.kind === 'exceeded'
    ? `User ${a.userId} has ${a.openCount} open Zendesk tickets (more than ${a.threshold}): ${a.openTicketIds.join(', ')}`
    : `User ${a.userId} is back to ${a.openCount} open Zendesk tickets (threshold ${a.threshold}).`;

/**
 * Outgoing HTTP webhook with a Slack-compatible body (`text`), the alert itself alongside, signed:
 * `x-ticketflow-signature: sha256=<hex HMAC-SHA256 of the body>` with the shared secret.
 */
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook';

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async send(alert: AlertRecord): Promise<void> {
    const body = JSON.stringify({ text: alertText(alert), alert });
    const signature = createHmac('sha256', this.secret).update(body).digest('hex');
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ticketflow-signature': `sha256=${signature}` },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  }
}

/** Email over SMTP (nodemailer), e.g. SMTP_URL=smtp://user:pass@mail.example.com:587. */
export class SmtpChannel implements NotificationChannel {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly to: string,
  ) {
    this.transport = createTransport(smtpUrl);
  }

  async send(alert: AlertRecord): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: this.to,
      subject:
        alert.kind === 'exceeded'
          ? `Ticketflow: user ${alert.userId} above ${alert.threshold} open tickets`
          : `Ticketflow: user ${alert.userId} recovered`,
      text: alertText(alert),
    });
  }
}

/**
 * Delivers recorded alerts through every channel, apart from the stream: a slow or failing channel never holds
 * up alert decisions. Failures are retried on later rounds and recorded; after `maxAttempts` the alert is marked
 * failed with the last error.
 */
export class Notifier {
  constructor(
    private readonly db: DataSource,
    private readonly channels: NotificationChannel[],
    private readonly maxAttempts = 5,
    private readonly onOutcome?: (outcome: 'sent' | 'retry' | 'failed') => void,
  ) {}

  /** One round over pending alerts; returns how many it handled. */
  async deliverPending(limit = 50): Promise<number> {
    return this.db.transaction(async (manager) => {
      const rows: Record<string, unknown>[] = await manager.query(
        `SELECT alert_id, user_id, kind, open_count, open_ticket_ids, threshold, occurred_at, notification_attempts
           FROM alert_history WHERE notification_status = 'pending'
          ORDER BY occurred_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      for (const row of rows) {
        const alert: AlertRecord = {
          alertId: row['alert_id'] as string,
          userId: row['user_id'] as string,
          kind: row['kind'] as AlertRecord['kind'],
          openCount: row['open_count'] as number,
          openTicketIds: row['open_ticket_ids'] as string[],
          threshold: row['threshold'] as number,
          occurredAt: (row['occurred_at'] as Date).toISOString(),
        };
        const errors: string[] = [];
        for (const channel of this.channels) {
          await channel.send(alert).catch((error: Error) => errors.push(`${channel.name}: ${error.message}`));
        }
        const attempts = (row['notification_attempts'] as number) + 1;
        const status =
          this.channels.length === 0
            ? 'none'
            : errors.length === 0
              ? 'sent'
              : attempts >= this.maxAttempts
                ? 'failed'
                : 'pending';
        this.onOutcome?.(status === 'pending' ? 'retry' : status === 'failed' ? 'failed' : 'sent');
        await manager.query(
          `UPDATE alert_history SET notification_status = $2, notification_attempts = $3, notification_error = $4,
                  notified_at = CASE WHEN $2 = 'sent' THEN now() ELSE notified_at END
            WHERE alert_id = $1`,
          [alert.alertId, status, attempts, errors.length ? errors.join('; ').slice(0, 1_000) : null],
        );
      }
      return rows.length;
    });
  }
}
