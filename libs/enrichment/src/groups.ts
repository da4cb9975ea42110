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
