import { statusCategoryOf, type TicketEvent, type TicketStatus } from '@ticketflow/contracts';
import { orderTransitions, projectTicketEvent, type TicketRow, type TransitionRow } from './projection';

const snapshot = (status: TicketStatus, updatedAt: string) => ({
  id: '42',
  subject: 'Printer on fire',
  status,
  statusCategory: statusCategoryOf(status),
  customStatusId: null,
  priority: 'normal' as const,
  type: null,
  requesterId: '7',
  requesterEmail: null,
  assigneeId: null,
  groupId: null,
  organizationId: null,
  tags: [],
  createdAt: '2026-11-25T10:00:00Z',
  updatedAt,
});

const created: TicketEvent = {
  schemaVersion: 1,
  type: 'ticket.created',
  eventId: 'e1',
  source: 'zendesk-event-webhook',
  occurredAt: '2026-11-25T10:00:00.100Z',
  ticketId: '42',
  sequenceId: 's1',
  ticket: snapshot('new', '2026-11-25T10:00:00Z'),
};
const opened: TicketEvent = {
  schemaVersion: 1,
  type: 'ticket.status_changed',
  eventId: 'e2',
  source: 'zendesk-event-webhook',
  occurredAt: '2026-11-25T10:05:00.200Z',
  ticketId: '42',
  sequenceId: 's2',
  ticket: snapshot('open', '2026-11-25T10:05:00Z'),
  change: { previous: 'new', current: 'open' },
};
const solved: TicketEvent = {
  schemaVersion: 1,
  type: 'ticket.status_changed',
  eventId: 'e3',
  source: 'zendesk-event-webhook',
  occurredAt: '2026-11-25T11:00:00.300Z',
  ticketId: '42',
  sequenceId: 's3',
  ticket: snapshot('solved', '2026-11-25T11:00:00Z'),
  change: { previous: 'open', current: 'solved' },
};

/** Folds events like the projector does: row by row, transitions deduplicated by key. */
function fold(events: TicketEvent[]) {
  let row: TicketRow | null = null;
  const history = new Map<string, TransitionRow>();
  for (const event of events) {
    const projected = projectTicketEvent(row, event);
    if (projected.row) row = projected.row;
    for (const t of projected.transitions) {
      const key = `${t.sequenceId}:${t.to}`;
      const seen = history.get(key);
      if (!seen) history.set(key, t);
      else if (t.authoritative && !seen.authoritative)
        history.set(key, { ...seen, from: t.from, authoritative: true });
    }
  }
  const transitions = [...history.values()]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((t) => [t.from, t.to]);
  return { row: row && { ...row, orderKey: undefined, lastEventId: undefined }, transitions };
}

describe('ticket projection', () => {
  const inOrder = fold([created, opened, solved]);

  it('projects the latest snapshot, open flag and every transition', () => {
    expect(inOrder.row).toMatchObject({
      status: 'solved',
      statusCategory: 'solved',
      open: false,
      solvedAt: solved.occurredAt,
    });
    expect(inOrder.transitions).toEqual([
      [null, 'new'],
      ['new', 'open'],
      ['open', 'solved'],
    ]);
  });

  it('gives the same state for duplicates, any order and replays', () => {
    const orders = [
      [created, opened, solved, solved, opened],
      [solved, created, opened],
      [opened, solved, created, created],
      [created, opened, solved, created, opened, solved],
    ];
    for (const events of orders) {
      const result = fold(events);
      expect(result.transitions).toEqual(inOrder.transitions);
      expect(result.row).toMatchObject({ status: 'solved', open: false, updatedAt: solved.ticket.updatedAt });
    }
  });

  it('lets reconciliation win a tie within one Zendesk second and correct an inferred transition', () => {
    const deleted: TicketEvent = {
      ...opened,
      type: 'ticket.soft_deleted',
      eventId: 'e4',
      sequenceId: 's4',
      ticket: snapshot('deleted', '2026-11-25T10:05:00Z'),
    } as TicketEvent;
    // Deleted arrives before the status change it followed: the `from` inferred from the row is wrong.
    const early = fold([created, deleted, opened]);
    expect(early.transitions).toContainEqual(['new', 'deleted']);
    const reconciled: TicketEvent = {
      schemaVersion: 1,
      type: 'ticket.reconciled',
      eventId: 'r1',
      source: 'reconciliation',
      occurredAt: '2026-11-25T10:05:00Z',
      ticketId: '42',
      sequenceId: null,
      ticket: snapshot('deleted', '2026-11-25T10:05:00Z'),
      statusChanges: [{ sequenceId: 's4', at: '2026-11-25T10:05:00Z', from: 'open', to: 'deleted' }],
    };
    const fixed = fold([created, deleted, opened, reconciled]);
    expect(fixed.transitions).toContainEqual(['open', 'deleted']);
    expect(fixed.transitions).not.toContainEqual(['new', 'deleted']);
    expect(fixed.row).toMatchObject({ status: 'deleted', deleted: 'soft', open: false });
  });

  it('never resurrects a permanently deleted ticket', () => {
    const purge = {
      ...solved,
      type: 'ticket.permanently_deleted',
      eventId: 'e5',
      sequenceId: 's5',
      occurredAt: '2026-11-25T12:00:00Z',
      ticket: snapshot('deleted', '2026-11-25T12:00:00Z'),
    } as TicketEvent;
    const late = {
      ...opened,
      eventId: 'e6',
      occurredAt: '2026-11-25T13:00:00Z',
      ticket: snapshot('open', '2026-11-25T13:00:00Z'),
    } as TicketEvent;
    expect(fold([created, purge, late]).row).toMatchObject({ deleted: 'permanent', open: false });
  });

  it('takes the requester email from trigger snapshots, normalised', () => {
    const trigger: TicketEvent = {
      schemaVersion: 1,
      type: 'ticket.updated',
      field: 'trigger',
      eventId: 't1',
      source: 'zendesk-trigger-webhook',
      occurredAt: '2026-11-25T10:05:00Z',
      ticketId: '42',
      sequenceId: null,
      ticket: { ...snapshot('open', '2026-11-25T10:05:00Z'), requesterEmail: ' Ann.Lee@Example.COM ' },
    };
    expect(projectTicketEvent(null, trigger).requester).toEqual({
      requesterId: '7',
      email: 'ann.lee@example.com',
      asOf: '2026-11-25T10:05:00Z',
    });
  });
});

describe('transition order', () => {
  it('follows the chain among changes of the same second (audit times have whole seconds)', () => {
    const rows = [
      { at: '2026-11-25T10:00:05.000Z', from: 'hold', to: 'open' },
      { at: '2026-11-25T10:00:05.900Z', from: 'open', to: 'hold' },
      { at: '2026-11-25T10:00:01.000Z', from: null, to: 'new' },
      { at: '2026-11-25T10:00:05.100Z', from: 'new', to: 'open' },
    ];
    expect(orderTransitions(rows).map((r) => [r.from, r.to])).toEqual([
      [null, 'new'],
      ['new', 'open'],
      ['open', 'hold'],
      ['hold', 'open'],
    ]);
  });

  it('a partial event changes only what it carries and never replaces a status with an older one', () => {
    const base = projectTicketEvent(null, created).row!;
    const opened = {
      ...created,
      type: 'ticket.status_changed',
      eventId: 'e-open',
      occurredAt: '2026-11-25T10:02:00Z',
      ticket: snapshot('open', '2026-11-25T10:02:00Z'),
      change: { previous: 'new', current: 'open' },
    } as TicketEvent;
    // A priority change at 10:03 carrying nothing else arrives before the 10:02 status change.
    const priority = {
      ...created,
      type: 'ticket.updated',
      eventId: 'e-prio',
      occurredAt: '2026-11-25T10:03:00Z',
      field: 'priority',
      ticket: { id: '42', priority: 'urgent', updatedAt: '2026-11-25T10:03:00Z' },
    } as TicketEvent;
    const afterPriority = projectTicketEvent(base, priority).row!;
    expect(afterPriority).toMatchObject({ priority: 'urgent', status: 'new', subject: 'Printer on fire' });
    expect(afterPriority.assigneeId).toBeNull();
    const afterStatus = projectTicketEvent(afterPriority, opened).row!;
    expect(afterStatus.status).toBe('open');
    expect(afterStatus.open).toBe(true);
    // Of a ticket not known yet, a partial event keeps nothing but its transitions.
    expect(projectTicketEvent(null, priority).row).toBeNull();
  });

  it('keeps a status Zendesk adds, counts it open; scrubbed and archived are not open', () => {
    const at = (status: string) =>
      projectTicketEvent(null, { ...created, ticket: { ...snapshot(status, '2026-11-25T10:00:00Z') } }).row!;
    expect(at('awaiting_parts')).toMatchObject({
      status: 'awaiting_parts',
      statusCategory: 'open',
      open: true,
    });
    expect(at('archived')).toMatchObject({ status: 'archived', open: false });
    expect(at('scrubbed').open).toBe(false);
  });

  it('takes a permanent delete whatever its time, keeps the row order and no content', () => {
    const row = projectTicketEvent(null, created).row!;
    const purge = {
      ...created,
      type: 'ticket.permanently_deleted',
      eventId: 'e-purge',
      source: 'reconciliation',
      occurredAt: '2026-11-25T09:00:00Z',
      ticket: { id: '42', status: 'deleted', statusCategory: null, updatedAt: '2026-11-25T09:00:00Z' },
    } as TicketEvent;
    const tagged = { ...row, tags: ['vip'] };
    const purged = projectTicketEvent(tagged, purge).row!;
    expect(purged).toMatchObject({
      deleted: 'permanent',
      open: false,
      subject: null,
      tags: null,
      orderKey: row.orderKey,
    });
  });

  it("keeps the group, type and tags a partial event does not carry, and takes a snapshot's", () => {
    const classified = {
      ...created,
      ticket: { ...created.ticket, groupId: '360000000001', type: 'incident', tags: ['printer', 'vip'] },
    } as TicketEvent;
    const row = projectTicketEvent(null, classified).row!;
    expect(row).toMatchObject({ groupId: '360000000001', type: 'incident', tags: ['printer', 'vip'] });
    // A status change from an event webhook carries none of them: kept.
    const afterStatus = projectTicketEvent(row, opened).row!;
    expect(afterStatus).toMatchObject({ groupId: null, type: null, tags: [] });
    const partial = {
      ...opened,
      ticket: { id: '42', status: 'open', updatedAt: '2026-11-25T10:05:00Z' },
    } as TicketEvent;
    expect(projectTicketEvent(row, partial).row).toMatchObject({
      groupId: '360000000001',
      type: 'incident',
      tags: ['printer', 'vip'],
    });
    // Moved to another group (Zendesk's group_assignment_changed carries only the group).
    const moved = {
      ...opened,
      type: 'ticket.updated',
      eventId: 'e-group',
      field: 'group_id',
      ticket: { id: '42', groupId: '360000000002', updatedAt: '2026-11-25T10:06:00Z' },
    } as TicketEvent;
    expect(projectTicketEvent(row, moved).row).toMatchObject({ groupId: '360000000002', type: 'incident' });
  });

  it('merges the custom fields a source carries, keeps them when it carries none, drops them on a purge', () => {
    const withFields = (event: TicketEvent, customFields: Record<string, unknown>) =>
      ({ ...event, ticket: { ...event.ticket, customFields } }) as TicketEvent;
    // A trigger renders the fields its admin chose; the export carries them all.
    const row = projectTicketEvent(null, withFields(created, { '360010000001': 'billing' })).row!;
    expect(row.customFields).toEqual({ '360010000001': 'billing' });
    const kept = projectTicketEvent(row, opened).row!;
    expect(kept.customFields).toEqual({ '360010000001': 'billing' });
    const merged = projectTicketEvent(
      kept,
      withFields(solved, { '360010000001': 'login', '360010000002': 'ORD-123456' }),
    ).row!;
    expect(merged.customFields).toEqual({ '360010000001': 'login', '360010000002': 'ORD-123456' });
    // An older snapshot's values never replace a newer one's.
    expect(projectTicketEvent(merged, withFields(opened, { '360010000001': 'sync' })).row).toBeNull();
    // The trigger of the update the row holds, projected after its event webhook (ordered later by milliseconds).
    const trigger = {
      ...withFields(solved, { '360010000001': 'mobile_app' }),
      eventId: 'trigger-of-e3',
      source: 'zendesk-trigger-webhook',
      occurredAt: '2026-11-25T11:00:00.000Z',
    } as TicketEvent;
    const late = projectTicketEvent(merged, trigger).row!;
    expect(late.customFields).toEqual({ '360010000001': 'mobile_app', '360010000002': 'ORD-123456' });
    expect(late.orderKey).toBe(merged.orderKey);
    // A trigger with minutes only (Zendesk's placeholder) names the update of its minute.
    const minuteTrigger = {
      ...trigger,
      eventId: 'minute-trigger',
      ticket: {
        ...trigger.ticket,
        customFields: { '360010000001': 'sync' },
        updatedAt: '2026-11-25T11:00:00Z',
      },
    } as TicketEvent;
    const at59 = projectTicketEvent(kept, {
      ...solved,
      ticket: snapshot('solved', '2026-11-25T11:00:59Z'),
    }).row!;
    expect(projectTicketEvent(at59, minuteTrigger).row!.customFields).toMatchObject({
      '360010000001': 'sync',
    });
    // Never over a reconciled row: the export's values are final for their second.
    const reconciled = {
      ...withFields(solved, { '360010000001': 'login' }),
      eventId: 'reconcile:p:42',
      type: 'ticket.reconciled',
      source: 'reconciliation',
      occurredAt: '2026-11-25T11:00:00.000Z',
      statusChanges: [],
    } as TicketEvent;
    const final = projectTicketEvent(merged, reconciled).row!;
    expect(projectTicketEvent(final, trigger).row).toBeNull();
    // Either order gives the same row.
    const triggerFirst = projectTicketEvent(projectTicketEvent(kept, trigger).row!, solved).row!;
    expect(triggerFirst.customFields).toEqual({ '360010000001': 'mobile_app' });
    const purged = { ...solved, type: 'ticket.permanently_deleted', eventId: 'e-purge' } as TicketEvent;
    expect(projectTicketEvent(merged, purged).row!.customFields).toBeNull();
  });
});
