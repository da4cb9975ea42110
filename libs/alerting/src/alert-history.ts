import type { DataSource } from 'typeorm';

export interface AlertView {
  alertId: string;
  userId: string;
  kind: string;
  openCount: number;
  openTicketIds: string[];
  threshold: number;
  occurredAt: string;
  notification: { status: string; attempts: number; error: string | null; at: Date | null };
}

/** Read side of `alert_history` and `alert_user_state` (written by AlertingProcessor, notified by Notifier). */
export class AlertHistory {
  constructor(private readonly db: DataSource) {}

  /** Newest first, optionally one user's. */
  async list(userId: string | null, limit: number): Promise<AlertView[]> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT alert_id, user_id, kind, open_count, open_ticket_ids, threshold, occurred_at, notification_status,
              notification_attempts, notification_error, notified_at
         FROM alert_history WHERE ($1::text IS NULL OR user_id = $1) ORDER BY occurred_at DESC, alert_id LIMIT $2`,
      [userId, limit],
    );
    return rows.map((r) => ({
      alertId: r['alert_id'] as string,
      userId: r['user_id'] as string,
      kind: r['kind'] as string,
      openCount: r['open_count'] as number,
      openTicketIds: r['open_ticket_ids'] as string[],
      threshold: r['threshold'] as number,
      occurredAt: (r['occurred_at'] as Date).toISOString(),
      notification: {
        status: r['notification_status'] as string,
        attempts: r['notification_attempts'] as number,
        error: r['notification_error'] as string | null,
        at: r['notified_at'] as Date | null,
      },
    }));
  }

  /** Users whose open-ticket count is above the threshold now. */
  async usersAboveThreshold(): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM alert_user_state WHERE above`,
    );
    return rows[0]!.n;
  }
}
