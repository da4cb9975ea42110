import { Client } from 'pg';
import type { ReadModels } from './model';

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a schema name: ${name}`);
  return `"${name}"`;
};

/** The read models as rows, read in one snapshot (REPEATABLE READ) per schema. */
export async function readModels(
  databaseUrl: string,
  schemas: { enrichment: string; alerting: string },
): Promise<ReadModels> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const e = ident(schemas.enrichment);
    const a = ident(schemas.alerting);
    // The join the query API serves a user's tickets with (GET /users/:id/tickets).
    const userTickets = await db.query<{ user_id: string; ticket_id: string; status: string; open: boolean }>(
      `SELECT u.user_id, t.ticket_id, t.status, t.open
         FROM ${e}.company_users u
         JOIN ${e}.zendesk_requesters r ON r.email_normalized = u.email_normalized
         JOIN ${e}.tickets t ON t.requester_id = r.requester_id
        WHERE t.deleted IS NULL`,
    );
    const tickets = await db.query<{
      ticket_id: string;
      status: string;
      open: boolean;
      deleted: string | null;
    }>(`SELECT ticket_id, status, open, deleted FROM ${e}.tickets`);
    const history = await db.query<{
      ticket_id: string;
      occurred_at: Date;
      from_status: string | null;
      to_status: string;
    }>(`SELECT ticket_id, occurred_at, from_status, to_status FROM ${e}.ticket_status_history`);
    const alerts = await db.query<{ alert_id: string; user_id: string; kind: string; open_count: number }>(
      `SELECT alert_id, user_id, kind, open_count FROM ${a}.alert_history`,
    );
    await db.query('COMMIT');
    return {
      userTickets: userTickets.rows.map((r) => ({
        userId: r.user_id,
        ticketId: r.ticket_id,
        status: r.status,
        open: r.open,
      })),
      tickets: tickets.rows.map((r) => ({
        ticketId: r.ticket_id,
        status: r.status,
        open: r.open,
        deleted: r.deleted,
      })),
      history: history.rows.map((r) => ({
        ticketId: r.ticket_id,
        at: r.occurred_at.toISOString(),
        from: r.from_status,
        to: r.to_status,
      })),
      alertHistory: alerts.rows.map((r) => ({
        alertId: r.alert_id,
        userId: r.user_id,
        kind: r.kind,
        openCount: r.open_count,
      })),
    };
  } finally {
    await db.end();
  }
}
