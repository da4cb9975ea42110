import type { EntityManager } from 'typeorm';
import type { RequesterEmail, TicketRow, TransitionRow } from './projection';

/** Read-model writes as set-based SQL: one statement per table per batch. */

/** The tickets table's projected columns: name, TicketRow field, Postgres type. Every statement below derives from it. */
const TICKET_FIELDS: [column: string, field: keyof TicketRow, type: string][] = [
  ['ticket_id', 'ticketId', 'text'],
  ['requester_id', 'requesterId', 'text'],
  ['subject', 'subject', 'text'],
  ['status', 'status', 'text'],
  ['status_category', 'statusCategory', 'text'],
  ['custom_status_id', 'customStatusId', 'text'],
  ['priority', 'priority', 'text'],
  ['assignee_id', 'assigneeId', 'text'],
  ['group_id', 'groupId', 'text'],
  ['ticket_type', 'type', 'text'],
  // jsonb, not text[]: unnest would flatten an array of arrays.
  ['tags', 'tags', 'jsonb'],
  ['custom_fields', 'customFields', 'jsonb'],
  ['created_at', 'createdAt', 'timestamptz'],
  ['updated_at', 'updatedAt', 'timestamptz'],
  ['solved_at', 'solvedAt', 'timestamptz'],
  ['open', 'open', 'boolean'],
  ['deleted', 'deleted', 'text'],
  ['order_key', 'orderKey', 'text'],
  ['last_event_id', 'lastEventId', 'text'],
];
const TICKET_COLUMNS = TICKET_FIELDS.map(([column]) => column).join(', ');
/** Postgres reads one typed array per column far faster than a JSON document of records; one statement per batch. */
const TICKET_UNNEST = `unnest(${TICKET_FIELDS.map(([, , type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
const ticketArrays = (rows: TicketRow[]) =>
  TICKET_FIELDS.map(([, field, type]) =>
    rows.map((r) => (type === 'jsonb' && r[field] !== null ? JSON.stringify(r[field]) : r[field])),
  );
/** `column = <source>.column` for every column but the key, and the projection time. */
const assignFrom = (source: string) =>
  [
    ...TICKET_FIELDS.slice(1).map(([column]) => `${column} = ${source}.${column}`),
    'projected_at = now()',
  ].join(', ');

export async function loadTickets(
  manager: EntityManager,
  ticketIds: string[],
): Promise<Map<string, TicketRow>> {
  if (ticketIds.length === 0) return new Map();
  const rows: Record<string, unknown>[] = await manager.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE ticket_id = ANY($1) ORDER BY ticket_id FOR UPDATE`,
    [ticketIds],
  );
  return new Map(rows.map((r) => [r['ticket_id'] as string, toTicketRow(r)]));
}

/** A row as the driver returns it, read through the same column table (timestamps as ISO strings). */
export function toTicketRow(r: Record<string, unknown>): TicketRow {
  return Object.fromEntries(
    TICKET_FIELDS.map(([column, field, type]) => {
      const value = r[column];
      return [field, type === 'timestamptz' && value !== null ? (value as Date).toISOString() : value];
    }),
  ) as unknown as TicketRow;
}

/**
 * Stores projected rows. `existing` are ticket ids this transaction loaded (and locked): those are updated in place,
 * the others inserted. Either way a row only replaces one ordered before it.
 */
export async function upsertTickets(
  manager: EntityManager,
  rows: TicketRow[],
  existing: ReadonlySet<string> = new Set(),
): Promise<void> {
  const updates = rows.filter((r) => existing.has(r.ticketId));
  const inserts = rows.filter((r) => !existing.has(r.ticketId));
  if (updates.length > 0)
    await manager.query(
      `UPDATE tickets t SET ${assignFrom('r')}
       FROM ${TICKET_UNNEST} AS r(${TICKET_COLUMNS})
       WHERE t.ticket_id = r.ticket_id AND t.order_key <= r.order_key`,
      ticketArrays(updates),
    );
  if (inserts.length > 0)
    await manager.query(
      `INSERT INTO tickets (${TICKET_COLUMNS})
       SELECT * FROM ${TICKET_UNNEST}
       ON CONFLICT (ticket_id) DO UPDATE SET ${assignFrom('EXCLUDED')}
       WHERE tickets.order_key <= EXCLUDED.order_key`,
      ticketArrays(inserts),
    );
}

/** Transitions are keyed by (ticket, Zendesk action, target status); the audit log's `from` wins over an inferred one. */
export async function insertTransitions(manager: EntityManager, rows: TransitionRow[]): Promise<void> {
  if (rows.length === 0) return;
  // One row per key within the statement (ON CONFLICT cannot touch a row twice): the first one's time, the
  // audit log's `from` if any carries it.
  const byKey = new Map<string, TransitionRow>();
  for (const row of rows) {
    const key = `${row.ticketId}\u0000${row.sequenceId}\u0000${row.to}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, row);
    else if (row.authoritative && !seen.authoritative)
      byKey.set(key, { ...seen, from: row.from, authoritative: true });
  }
  const unique = [...byKey.values()];
  await manager.query(
    `INSERT INTO ticket_status_history (ticket_id, sequence_id, to_status, from_status, occurred_at, source_event_id, authoritative)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::boolean[])
     ON CONFLICT (ticket_id, sequence_id, to_status) DO UPDATE SET
       from_status = EXCLUDED.from_status, authoritative = true
     WHERE EXCLUDED.authoritative AND NOT ticket_status_history.authoritative`,
    [
      unique.map((r) => r.ticketId),
      unique.map((r) => r.sequenceId),
      unique.map((r) => r.to),
      unique.map((r) => r.from),
      unique.map((r) => r.at),
      unique.map((r) => r.sourceEventId),
      unique.map((r) => r.authoritative),
    ],
  );
}

/**
 * Stores each requester's newest email: a source seen earlier (an older ticket's trigger projected later, from
 * another partition or replica) never replaces what a later one said, whatever order the transactions commit in.
 */
export async function upsertRequesters(manager: EntityManager, requesters: RequesterEmail[]): Promise<void> {
  if (requesters.length === 0) return;
  const latest = new Map<string, RequesterEmail>();
  for (const r of requesters) {
    const seen = latest.get(r.requesterId);
    if (!seen || Date.parse(r.asOf) >= Date.parse(seen.asOf)) latest.set(r.requesterId, r);
  }
  // A stable order, so concurrent transactions lock these rows alike.
  const rows = [...latest.values()].sort((a, b) => (a.requesterId < b.requesterId ? -1 : 1));
  await manager.query(
    `INSERT INTO zendesk_requesters (requester_id, email_normalized, email_as_of)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
     ON CONFLICT (requester_id) DO UPDATE
       SET email_normalized = EXCLUDED.email_normalized, email_as_of = EXCLUDED.email_as_of, resolved_at = now()
     WHERE zendesk_requesters.email_as_of IS NULL
        OR zendesk_requesters.email_as_of < EXCLUDED.email_as_of
        OR (zendesk_requesters.email_as_of = EXCLUDED.email_as_of
            AND zendesk_requesters.email_normalized <> EXCLUDED.email_normalized)`,
    [rows.map((r) => r.requesterId), rows.map((r) => r.email), rows.map((r) => r.asOf)],
  );
  // Their email is known now: nobody needs to ask Zendesk for it.
  await manager.query(`DELETE FROM requester_lookups WHERE requester_id = ANY($1)`, [
    rows.map((r) => r.requesterId),
  ]);
}

/**
 * Records the requesters among these (a batch's) whose email is not known and not yet looked for, to be asked for
 * `graceMs` from now on (the database's clock, shared by every replica); returns them (their lookups are new).
 */
export async function noteRequesterLookups(
  manager: EntityManager,
  requesterIds: string[],
  graceMs: number,
): Promise<string[]> {
  if (requesterIds.length === 0) return [];
  // Only what no committed transaction recorded yet; nothing here waits for another transaction. OFFSET 0: one
  // index probe per id, never a hash join over every requester, whatever the planner guesses without statistics.
  const rows: { requester_id: string }[] = await manager.query(
    `INSERT INTO requester_lookups (requester_id, ask_after)
     SELECT DISTINCT id, now() + $2 * interval '1 millisecond' FROM unnest($1::text[]) AS id
      WHERE NOT EXISTS (SELECT 1 FROM zendesk_requesters r WHERE r.requester_id = id OFFSET 0)
        AND NOT EXISTS (SELECT 1 FROM requester_lookups l WHERE l.requester_id = id OFFSET 0)
     RETURNING requester_id`,
    [requesterIds, graceMs],
  );
  return rows.map((r) => r.requester_id);
}

/** Requesters to look up whose time to ask comes within `aheadMs` from now, longest waiting first. */
export async function dueRequesterLookups(
  manager: EntityManager,
  aheadMs: number,
  limit: number,
): Promise<string[]> {
  const rows: { requester_id: string }[] = await manager.query(
    `SELECT requester_id FROM requester_lookups WHERE ask_after <= now() + $1 * interval '1 millisecond'
      GROUP BY requester_id ORDER BY min(ask_after), requester_id LIMIT $2`,
    [aheadMs, limit],
  );
  return rows.map((r) => r.requester_id);
}

/** These requesters are asked for again `afterMs` from now (Zendesk gave no email yet, or the call failed). */
export async function deferRequesterLookups(
  manager: EntityManager,
  requesterIds: string[],
  afterMs: number,
): Promise<void> {
  if (requesterIds.length === 0) return;
  await manager.query(
    `UPDATE requester_lookups SET ask_after = now() + $2 * interval '1 millisecond' WHERE requester_id = ANY($1)`,
    [[...requesterIds].sort(), afterMs],
  );
}

/**
 * The safety net, a scan of every ticket: records lookups no batch recorded (tickets a previous version projected,
 * during a rolling deploy or after a rollback) and drops lookups of requesters whose email is stored meanwhile.
 * Returns how many lookups it recorded.
 */
export async function reconcileRequesterLookups(manager: EntityManager): Promise<number> {
  await manager.query(
    `DELETE FROM requester_lookups l USING zendesk_requesters r WHERE r.requester_id = l.requester_id`,
  );
  const rows: unknown[] = await manager.query(
    `INSERT INTO requester_lookups (requester_id)
     SELECT DISTINCT t.requester_id FROM tickets t
      WHERE t.requester_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM zendesk_requesters r WHERE r.requester_id = t.requester_id)
        AND NOT EXISTS (SELECT 1 FROM requester_lookups l WHERE l.requester_id = t.requester_id)
     RETURNING requester_id`,
  );
  return rows.length;
}

export interface OpenTicketsSummary {
  userId: string;
  openTicketIds: string[];
}

/** Current open tickets of these company users (users that do not exist are left out). */
export async function openTicketsOfUsers(
  manager: EntityManager,
  userIds: string[],
): Promise<OpenTicketsSummary[]> {
  const rows: { user_id: string; open_ids: string[] | null }[] = await manager.query(
    `SELECT u.user_id,
            array_agg(t.ticket_id ORDER BY t.ticket_id::numeric) FILTER (WHERE t.open) AS open_ids
       FROM company_users u
       LEFT JOIN zendesk_requesters r ON r.email_normalized = u.email_normalized
       LEFT JOIN tickets t ON t.requester_id = r.requester_id
      WHERE u.user_id = ANY($1)
      GROUP BY u.user_id`,
    [userIds],
  );
  return rows.map((r) => ({ userId: r.user_id, openTicketIds: r.open_ids ?? [] }));
}
