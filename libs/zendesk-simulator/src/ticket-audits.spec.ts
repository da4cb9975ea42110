import { AuditLog, DEFAULT_AUDIT_EXPORT_FORM } from './audits';
import { ticketAudits, type AuditEvent, type FieldEvent } from './ticket-audits';
import { World } from './world';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const fieldEvents = (events: AuditEvent[], field: string) =>
  events.filter((e): e is FieldEvent => e.type !== 'Comment' && e.field_name === field);

describe('ticket audits (Ticket Audits API)', () => {
  it('gives one audit per action and a status event exactly where the status history has a transition', () => {
    const world = new World({ tickets: 300, seed: 9, clock: () => NOW });
    for (const id of world.ids()) {
      const { seed, changes } = world.ticket(id)!;
      const audits = ticketAudits(seed, changes);
      expect(audits.map((a) => a.id)).toHaveLength(new Set(changes.map((c) => c.sequenceId)).size);
      const statuses = audits.flatMap((a) =>
        fieldEvents(a.events, 'status').map((e) => [e.value, e.type === 'Change' ? e.previous_value : null]),
      );
      expect(statuses).toEqual(world.state(id)!.history.map((h) => [h.to, h.from]));
      expect(audits.every((a) => a.ticket_id === id)).toBe(true);
    }
  });

  it('opens with Create events and the description as the first comment; later audits carry Change events', () => {
    let now = NOW - 3_600_000;
    const world = new World({ tickets: 1, seed: 9, clock: () => now });
    const requester = world.directory.requesters[0]!;
    const agent = world.directory.agents[1]!;
    const { ticketId } = world.createTicket({ requesterId: requester.id, subject: 'Printer <on> fire' });
    now += 60_000;
    world.updateTicket(ticketId, {
      status: 'pending',
      assigneeId: agent.id,
      comment: { body: 'On it', authorId: agent.id },
    });
    const { seed, changes } = world.ticket(ticketId)!;
    const [created, update] = ticketAudits(seed, changes);

    expect(created).toMatchObject({ ticket_id: ticketId, author_id: requester.id, via: { channel: 'api' } });
    expect(created!.events[0]).toMatchObject({
      type: 'Comment',
      body: 'Printer <on> fire',
      html_body: '<div class="zd-comment" dir="auto"><p>Printer &lt;on&gt; fire</p></div>',
      public: true,
      audit_id: created!.id,
    });
    expect(created!.events.slice(1).map((e) => [e.type, e.type === 'Comment' ? null : e.field_name])).toEqual(
      [
        ['Create', 'subject'],
        ['Create', 'requester_id'],
        ['Create', 'group_id'],
        ['Create', 'type'],
        ['Create', 'priority'],
        ['Create', 'status'],
        ['Create', 'custom_status_id'],
      ],
    );
    expect(update).toMatchObject({
      author_id: agent.id,
      created_at: new Date(now).toISOString().replace(/\.\d+Z/, 'Z'),
    });
    expect(update!.events).toEqual([
      expect.objectContaining({ type: 'Comment', body: 'On it', author_id: agent.id }),
      {
        id: update!.id * 10 + 1,
        type: 'Change',
        field_name: 'status',
        value: 'pending',
        previous_value: 'new',
      },
      {
        id: update!.id * 10 + 4,
        type: 'Change',
        field_name: 'custom_status_id',
        value: '3',
        previous_value: '1',
      },
      {
        id: update!.id * 10 + 2,
        type: 'Change',
        field_name: 'assignee_id',
        value: String(agent.id),
        previous_value: null,
      },
    ]);
  });

  it('names a status change as the ticket-events export does (audit and child event ids, values)', () => {
    const world = new World({ tickets: 200, seed: 3, clock: () => NOW });
    const exported = new AuditLog(world, { ...DEFAULT_AUDIT_EXPORT_FORM, assigneeEvents: true }).page(
      0,
      NOW,
      100_000,
    ).items;
    const audits = new Map(
      [...world.ids()].flatMap((id) => {
        const { seed, changes } = world.ticket(id)!;
        return ticketAudits(seed, changes).map((a) => [a.id, a] as const);
      }),
    );
    expect(exported.length).toBeGreaterThan(500);
    for (const item of exported) {
      const audit = audits.get(item.id)!;
      expect(audit).toMatchObject({ ticket_id: item.ticket_id, author_id: item.updater_id });
      for (const child of item.child_events) {
        const event = audit.events.find((e) => e.id === child.id);
        expect(event).toMatchObject({ value: 'value' in child ? child.value : undefined });
      }
    }
  });

  it('shows the automation as the via of the system user’s closes', () => {
    const world = new World({ tickets: 300, seed: 9, clock: () => NOW });
    const closes = [...world.ids()].flatMap((id) => {
      const { seed, changes } = world.ticket(id)!;
      return ticketAudits(seed, changes).filter((a) => a.author_id === -1);
    });
    expect(closes.length).toBeGreaterThan(10);
    for (const audit of closes)
      expect(audit.via).toMatchObject({ channel: 'rule', source: { rel: 'automation' } });
  });
});
