import type { DataSource } from 'typeorm';
import type { ZendeskClient } from '@ticketflow/zendesk';

/**
 * Reads the account's groups into zendesk_groups (id, name). Tickets keep only the group id; queries join the
 * name, so a rename reaches every read at the next refresh. A group Zendesk no longer lists keeps its last name:
 * tickets may still name it.
 */
export async function refreshGroups(db: DataSource, zendesk: ZendeskClient): Promise<number> {
  const groups = await zendesk.groups();
  if (groups.length === 0) return 0;
  await db.query(
    `INSERT INTO zendesk_groups (group_id, name, refreshed_at)
     SELECT id, name, now() FROM unnest($1::text[], $2::text[]) AS g(id, name)
     ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, refreshed_at = now()
       WHERE zendesk_groups.name IS DISTINCT FROM EXCLUDED.name`,
    [groups.map((g) => String(g.id)), groups.map((g) => g.name)],
  );
  return groups.length;
}

/**
 * Keeps zendesk_groups current. Zendesk sends no webhook for groups: a new one shows only as a ticket's group id.
 * A ticket naming a group not stored yet has the groups read again at once, in the background (the projection
 * never waits); an id still unknown after a read (a deleted group) is asked about again only after
 * `minIntervalMs`. Renames arrive with each reconciliation pass (`refresh`).
 */
export class GroupNames {
  private known: Set<string> | null = null;
  private reading: Promise<number> | null = null;
  private closed = false;
  /** Unknown ids a read was started for, and when. */
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly zendesk: ZendeskClient,
    private readonly onError: (error: Error) => void,
    private readonly minIntervalMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the groups (joining a read in flight); returns how many Zendesk listed. */
  refresh(): Promise<number> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<number> {
    const count = await refreshGroups(this.db, this.zendesk);
    const rows: { group_id: string }[] = await this.db.query(`SELECT group_id FROM zendesk_groups`);
    this.known = new Set(rows.map((r) => r.group_id));
    return count;
  }

  /** Group ids that tickets just named: one not stored yet starts a read in the background. */
  noticed(groupIds: Iterable<string | null | undefined>): void {
    if (this.reading || this.closed) return;
    const now = this.now();
    for (const id of groupIds) {
      if (!id || this.known?.has(id) || now - (this.asked.get(id) ?? -Infinity) < this.minIntervalMs)
        continue;
      this.asked.set(id, now);
      this.refresh().catch(this.onError);
      return;
    }
  }

  /** Resolves once no read is in flight. */
  async settled(): Promise<void> {
    await this.reading?.catch(() => undefined);
  }

  /** No read starts after this (Zendesk's client is closing); resolves once the one in flight ended. */
  close(): Promise<void> {
    this.closed = true;
    return this.settled();
  }
}
