import { trace } from '@opentelemetry/api';
import type { DataSource, EntityManager } from 'typeorm';
import type { UserAlertEvent, UserOpenTicketCount, UserOpenTicketsChanged } from '@ticketflow/contracts';
import type { DecodedMessage, PartitionBatch } from '@ticketflow/kafka';
import { applyFenced, enqueueOutbox } from '@ticketflow/persistence';
import { decide, type UserAlertState } from './threshold';

const tracer = trace.getTracer('@ticketflow/alerting');

export interface AlertingTopics {
  counts: string;
  alerts: string;
}

/**
 * Applies batches of users' open-ticket sets: state, alert history, outgoing count and alert events and the consumer
 * offset in one transaction, fenced by the stored offset. A crash, replay, rebalance or zombie member resumes from
 * the stored offset with the stored state, and a set older than the state's version is ignored, so each crossing
 * alerts once; alert ids derive from the source event, so even a re-decided alert keeps its id.
 * Commits wait for durability here (unlike the enrichment projection): an alert relayed from a commit that a crash
 * then lost would be decided again.
 */
export class AlertingProcessor {
  constructor(
    private readonly db: DataSource,
    readonly groupId: string,
    readonly threshold: number,
    private readonly topics: AlertingTopics,
  ) {}

  async applyBatch(batch: PartitionBatch<UserOpenTicketsChanged>): Promise<UserAlertEvent[]> {
    const alerts = await applyFenced(this.db, this.groupId, batch, (manager, messages) =>
      // The decision as a span: the alert events it enqueues continue its trace through the outbox.
      tracer.startActiveSpan('alerting decide', async (span) => {
        try {
          const decided = await this.decideAll(manager, messages);
          span.setAttributes({ 'ticketflow.alerts': decided.length, 'ticketflow.threshold': this.threshold });
          return decided;
        } finally {
          span.end();
        }
      }),
    );
    return alerts ?? [];
  }

  private async decideAll(
    manager: EntityManager,
    messages: DecodedMessage<UserOpenTicketsChanged>[],
  ): Promise<UserAlertEvent[]> {
    const userIds = [...new Set(messages.map((m) => m.value.userId))];
    const states = await loadStates(manager, userIds);
    const alerts: UserAlertEvent[] = [];
    for (const { value } of messages) {
      const decision = decide(states.get(value.userId) ?? null, value, this.threshold);
      states.set(value.userId, decision.state);
      for (const alert of decision.alerts) {
        alerts.push({
          ...alert,
          eventId: `${value.eventId}:${alert.type}`,
          occurredAt: value.occurredAt,
        } as UserAlertEvent);
      }
    }
    const changed = userIds.map((id) => states.get(id)!);
    await manager.query(
      `INSERT INTO alert_user_state (user_id, open_ticket_ids, open_count, above, version)
       SELECT "userId", ARRAY(SELECT jsonb_array_elements_text("openTicketIds")), "openCount", above, version
         FROM jsonb_to_recordset($1::jsonb)
           AS r("userId" text, "openTicketIds" jsonb, "openCount" int, above boolean, version bigint)
       ON CONFLICT (user_id) DO UPDATE SET open_ticket_ids = EXCLUDED.open_ticket_ids, open_count = EXCLUDED.open_count,
         above = EXCLUDED.above, version = EXCLUDED.version, updated_at = now()`,
      [JSON.stringify(changed)],
    );
    if (alerts.length) {
      await manager.query(
        `INSERT INTO alert_history (alert_id, user_id, kind, open_count, open_ticket_ids, threshold, occurred_at)
         SELECT "eventId", "userId", CASE WHEN type = 'user.threshold.exceeded' THEN 'exceeded' ELSE 'recovered' END,
                "openCount", ARRAY(SELECT jsonb_array_elements_text("openTicketIds")), threshold, "occurredAt"
           FROM jsonb_to_recordset($1::jsonb) AS r("eventId" text, "userId" text, type text, "openCount" int,
                                                  "openTicketIds" jsonb, threshold int, "occurredAt" timestamptz)
         ON CONFLICT (alert_id) DO NOTHING`,
        [JSON.stringify(alerts)],
      );
    }
    const now = new Date().toISOString();
    const counts: UserOpenTicketCount[] = changed.map((s) => ({
      schemaVersion: 1,
      type: 'user.open_ticket_count',
      userId: s.userId,
      openCount: s.openCount,
      openTicketIds: s.openTicketIds,
      aboveThreshold: s.above,
      updatedAt: now,
    }));
    await enqueueOutbox(manager, [
      ...counts.map((value) => ({ topic: this.topics.counts, key: value.userId, value })),
      ...alerts.map((value) => ({ topic: this.topics.alerts, key: value.userId, value })),
    ]);
    return alerts;
  }
}

async function loadStates(manager: EntityManager, userIds: string[]): Promise<Map<string, UserAlertState>> {
  const rows: {
    user_id: string;
    open_ticket_ids: string[];
    open_count: number;
    above: boolean;
    version: string | null;
  }[] = await manager.query(
    `SELECT user_id, open_ticket_ids, open_count, above, version FROM alert_user_state
      WHERE user_id = ANY($1) ORDER BY user_id FOR UPDATE`,
    [userIds],
  );
  return new Map(
    rows.map((r) => [
      r.user_id,
      {
        userId: r.user_id,
        openTicketIds: r.open_ticket_ids,
        openCount: r.open_count,
        above: r.above,
        version: r.version === null ? null : Number(r.version),
      },
    ]),
  );
}
