import type { DataSource } from 'typeorm';
import { Topics, type StatusChange } from '@ticketflow/contracts';
import type { EventProducer } from '@ticketflow/kafka';
import {
  ZendeskClientClosed,
  auditStatusChange,
  purgedEvent,
  reconciledEvent,
  type ZendeskClient,
} from '@ticketflow/zendesk';
import { refreshGroups, type GroupNames } from './groups';

export interface ReconcilerOptions {
  /** Where a first pass starts (unix seconds): 0 backfills the whole account. */
  initialStartTime: number;
  /** Status audits are re-read this far back on every pass, for changes Zendesk recorded late. */
  settleLagSeconds: number;
  name?: string;
  topic?: typeof Topics.ticketEvents;
  /** Where group names are kept current (default: read straight into zendesk_groups). */
  groups?: Pick<GroupNames, 'refresh'>;
}

export interface PassProgress {
  phase: 'audits' | 'tickets';
  pages: number;
  items: number;
}

export interface PassResult {
  tickets: number;
  statusChanges: number;
  pages: number;
  /** Groups read; null when Zendesk's groups API failed (names are read again next pass, nothing waits). */
  groups: number | null;
}

/**
 * Converges the read models on Zendesk's truth whatever the webhooks did: walks the status audits (incremental
 * ticket events, re-reading a settle lag) and the cursor-based incremental ticket export, and publishes one
 * `ticket.reconciled` per changed ticket with its snapshot and audited status changes. The export cursor and the
 * audit watermark live in Postgres and move only after Kafka acknowledged what was read.
 */
export class Reconciler {
  constructor(
    private readonly db: DataSource,
    private readonly zendesk: ZendeskClient,
    private readonly producer: EventProducer,
    private readonly options: ReconcilerOptions,
  ) {}

  private get name() {
    return this.options.name ?? 'zendesk';
  }

  async runPass(onProgress?: (progress: PassProgress) => void): Promise<PassResult> {
    const topic = this.options.topic ?? Topics.ticketEvents;
    const passId = Date.now().toString(36);
    // 0. Group names: renames show in every read at once (joined at read time). A failure must not hold the pass.
    const read = this.options.groups?.refresh() ?? refreshGroups(this.db, this.zendesk);
    const groups = await read.catch((error: Error) => {
      if (error instanceof ZendeskClientClosed) throw error;
      return null;
    });
    const [state] = (await this.db.query(
      `SELECT export_cursor, audit_start_time FROM reconciliation_state WHERE name = $1`,
      [this.name],
    )) as {
      export_cursor: string | null;
      audit_start_time: string;
    }[];
    let auditStart = Math.max(
      0,
      Number(state?.audit_start_time ?? this.options.initialStartTime) -
        (state ? this.options.settleLagSeconds : 0),
    );

    // 1. Status audits, grouped per ticket.
    const changes = new Map<string, StatusChange[]>();
    let pages = 0;
    let statusChanges = 0;
    for (;;) {
      const page = await this.zendesk.incrementalTicketEvents(auditStart);
      pages++;
      for (const audit of page.ticket_events) {
        for (const child of audit.child_events) {
          const change = auditStatusChange(audit, child);
          if (!change) continue;
          const list = changes.get(String(audit.ticket_id)) ?? [];
          if (!list.some((c) => c.sequenceId === change.sequenceId && c.to === change.to)) {
            list.push(change);
            statusChanges++;
          }
          changes.set(String(audit.ticket_id), list);
        }
      }
      onProgress?.({ phase: 'audits', pages, items: statusChanges });
      if (page.end_of_stream || page.end_time <= auditStart) {
        auditStart = page.end_time;
        break;
      }
      auditStart = page.end_time;
    }

    // 2. Ticket snapshots by cursor; each page published before the cursor moves.
    let position: { cursor: string } | { startTime: number } = state?.export_cursor
      ? { cursor: state.export_cursor }
      : { startTime: this.options.initialStartTime };
    let tickets = 0;
    for (;;) {
      const page = await this.zendesk.incrementalTickets(position);
      pages++;
      const events = page.tickets.map((ticket) => {
        const own = changes.get(String(ticket.id)) ?? [];
        changes.delete(String(ticket.id));
        return reconciledEvent(ticket, own, passId);
      });
      await this.producer.publish(
        topic,
        events.map((value) => ({ key: value.ticketId, value })),
      );
      tickets += events.length;
      if (page.after_cursor) position = { cursor: page.after_cursor };
      await this.saveState('cursor' in position ? position.cursor : null, null);
      onProgress?.({ phase: 'tickets', pages, items: tickets });
      if (page.end_of_stream) break;
    }

    // 3. Audited changes of tickets the export did not show this pass (read again within the settle lag).
    const leftover = [...changes.keys()];
    for (let i = 0; i < leftover.length; i += 100) {
      const found = await this.zendesk.showManyTickets(leftover.slice(i, i + 100));
      const events = found.map((ticket) =>
        reconciledEvent(ticket, changes.get(String(ticket.id)) ?? [], passId),
      );
      await this.producer.publish(
        topic,
        events.map((value) => ({ key: value.ticketId, value })),
      );
      tickets += events.length;
    }
    tickets += await this.reconcilePurges(topic, passId);
    await this.saveState(null, auditStart);
    return { tickets, statusChanges, pages, groups };
  }

  /**
   * The export shows soft and permanent deletes alike (status `deleted`), and a dropped `permanently_deleted`
   * webhook would leave a purged ticket here for good: a ticket held as soft-deleted that Zendesk lists neither
   * among its deleted tickets nor among live ones was permanently deleted.
   */
  private async reconcilePurges(topic: typeof Topics.ticketEvents, passId: string): Promise<number> {
    const held: { ticket_id: string }[] = await this.db.query(
      `SELECT ticket_id FROM tickets WHERE deleted = 'soft'`,
    );
    if (held.length === 0) return 0;
    const restorable = new Set(
      (await this.zendesk.listAll<{ id: number }>('/api/v2/deleted_tickets.json', 'deleted_tickets')).map(
        (t) => String(t.id),
      ),
    );
    const candidates = held.map((r) => r.ticket_id).filter((id) => !restorable.has(id));
    const alive = new Set((await this.zendesk.showManyTickets(candidates)).map((t) => String(t.id)));
    const purged = candidates.filter((id) => !alive.has(id));
    const now = new Date().toISOString();
    const events = purged.map((id) => purgedEvent(id, passId, now));
    await this.producer.publish(
      topic,
      events.map((value) => ({ key: value.ticketId, value })),
    );
    return events.length;
  }

  private async saveState(cursor: string | null, auditStartTime: number | null) {
    await this.db.query(
      `INSERT INTO reconciliation_state (name, export_cursor, audit_start_time) VALUES ($1, $2::text, COALESCE($3::bigint, $4::bigint))
       ON CONFLICT (name) DO UPDATE SET
         export_cursor = COALESCE($2::text, reconciliation_state.export_cursor),
         audit_start_time = COALESCE($3::bigint, reconciliation_state.audit_start_time),
         updated_at = now()`,
      [this.name, cursor, auditStartTime, this.options.initialStartTime],
    );
  }
}
