import { Topics, decode, type TicketEvent } from '@ticketflow/contracts';
import {
  World,
  auditIdOf,
  eventWebhooks,
  renderTriggerTemplate,
  restTicket,
} from '@ticketflow/zendesk-simulator';
import {
  IGNORED_TYPE_LABELS,
  RECOMMENDED_TRIGGER_BODY,
  SHOWN_TYPE_CHARS,
  ignoredTypeLabel,
  normalizeEventWebhook,
  normalizeTriggerWebhook,
  reconciledEvent,
} from './normalize';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('normalizing Zendesk webhooks into ticket events', () => {
  let now = NOW;
  const world = new World({ tickets: 20, clock: () => now });
  const requester = world.directory.requesters[2]!;
  const created = world.createTicket({ requesterId: requester.id, priority: 'high' });
  now += 1_000;
  const opened = world.updateTicket(created.ticketId, {
    status: 'open',
    customStatusId: 6,
    assigneeId: world.directory.agents[0]!.id,
  });

  it('maps ticket.created with string ids and lowercase enums, keeping the Zendesk event id', () => {
    const [envelope] = eventWebhooks(created, world);
    const result = normalizeEventWebhook(JSON.parse(JSON.stringify(envelope)));
    expect(result.kind).toBe('events');
    const [event] = (result as { events: unknown[] }).events;
    expect(decode(Topics.ticketEvents, event)).toMatchObject({
      type: 'ticket.created',
      eventId: envelope!.id,
      ticketId: String(created.ticketId),
      ticket: {
        status: 'new',
        statusCategory: 'new',
        priority: 'high',
        requesterId: String(requester.id),
      },
    });
  });

  it('maps status changes with previous/current, custom statuses to their category, other changes to ticket.updated', () => {
    const envelopes = eventWebhooks(opened, world);
    const events = envelopes
      .map((e) => normalizeEventWebhook(e))
      .flatMap((r) => (r.kind === 'events' ? r.events : []));
    expect(events.map((e) => (e.type === 'ticket.updated' ? `updated:${e.field}` : e.type))).toEqual([
      'updated:agent_assignment',
      'ticket.status_changed',
      'updated:custom_status',
    ]);
    const status = events[1]!;
    expect(status).toMatchObject({
      change: { previous: 'new', current: 'open' },
      ticket: { customStatusId: '6', statusCategory: 'open' },
    });
    expect(new Set(events.map((e) => e.sequenceId))).toEqual(new Set([String(auditIdOf(opened.sequenceId))]));
    for (const event of events) expect(() => decode(Topics.ticketEvents, event)).not.toThrow();
  });

  it('keeps deletes, undeletes, merges and spam as events of their own', () => {
    const ids = [...world.ids()].filter(
      (id) => !world.state(id)!.deleted && world.state(id)!.status !== 'closed',
    );
    now += 1_000;
    const types = [
      world.softDelete(ids[0]!),
      world.undelete(ids[0]!),
      world.softDelete(ids[0]!),
      world.permanentlyDelete(ids[0]!),
      world.markAsSpam(ids[1]!),
      world.merge(ids[2]!, ids[3]!),
    ].flatMap((update) => eventWebhooks(update, world).map((e) => normalizeEventWebhook(e)));
    expect(types.map((r) => (r.kind === 'events' ? r.events[0]!.type : r.kind))).toEqual([
      'ticket.soft_deleted',
      'ticket.undeleted',
      'ticket.soft_deleted',
      'ticket.permanently_deleted',
      'ticket.marked_as_spam',
      'ticket.merged',
    ]);
    const merged = types[5]!;
    expect(merged.kind === 'events' && merged.events[0]).toMatchObject({
      mergedIntoTicketId: String(ids[3]),
    });
  });

  it('ignores event types outside ticket.* and rejects malformed envelopes with a reason', () => {
    const [envelope] = eventWebhooks(created, world);
    expect(normalizeEventWebhook({ ...envelope, type: 'zen:event-type:user.active_changed' })).toEqual({
      kind: 'ignored',
      type: 'zen:event-type:user.active_changed',
      label: 'zen:event-type:user.*',
    });
    expect(normalizeEventWebhook({ ...envelope, type: 'zen:event-type:ticket.brand_new_thing' }).kind).toBe(
      'ignored',
    );
    const missingId = normalizeEventWebhook({ ...envelope, id: undefined });
    expect(missingId).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('id') });
    const badStatus = normalizeEventWebhook({
      ...envelope,
      detail: { ...envelope!.detail, status: 42 },
    });
    expect(badStatus).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('status') });
  });

  it('labels an ignored type from a closed set and echoes at most a bounded part of it', () => {
    const [envelope] = eventWebhooks(created, world);
    const huge = (prefix: string, i: number) => `${prefix}${i}-${'x'.repeat(250_000)}`;
    const types = [
      'zen:event-type:organization.created',
      'zen:event-type:article.published',
      'zen:event-type:community_post.created',
      'zen:event-type:agent.state_changed',
      'zen:event-type:omnichannel_config.omnichannel_routing_feature_changed',
      'zen:event-type:ticket.brand_new_thing',
      ...Array.from({ length: 20 }, (_, i) => huge('zen:event-type:user.', i)),
      ...Array.from({ length: 20 }, (_, i) => huge('', i)),
      ...Array.from({ length: 20 }, (_, i) => huge('zen:event-type:', i)),
      'zen:event-type:user',
      'USER.created',
    ];
    const results = types.map((type) => normalizeEventWebhook({ ...envelope, type }));
    const labels = results.map((r) => (r.kind === 'ignored' ? r.label : r.kind));
    expect(new Set(labels)).toEqual(
      new Set([
        'zen:event-type:organization.*',
        'zen:event-type:article.*',
        'zen:event-type:community_post.*',
        'zen:event-type:agent.*',
        'zen:event-type:omnichannel_config.*',
        'zen:event-type:ticket.*',
        'zen:event-type:user.*',
        'other',
      ]),
    );
    for (const label of labels) expect(IGNORED_TYPE_LABELS).toContain(label);
    for (const result of results)
      expect(result.kind === 'ignored' && result.type.length).toBeLessThanOrEqual(SHOWN_TYPE_CHARS + 40);
    expect(results[0]).toMatchObject({ type: 'zen:event-type:organization.created' });
    expect(ignoredTypeLabel('zen:event-type:user.' + '\u0000'.repeat(10))).toBe('zen:event-type:user.*');
  });

  it('maps the recommended trigger body, carrying the requester email, with a deterministic event id', () => {
    const rendered = JSON.parse(
      renderTriggerTemplate(JSON.stringify(RECOMMENDED_TRIGGER_BODY), opened.after, world),
    );
    const result = normalizeTriggerWebhook(rendered);
    expect(result.kind).toBe('events');
    const event = (result as { events: { eventId: string }[] }).events[0]!;
    expect(decode(Topics.ticketEvents, event)).toMatchObject({
      type: 'ticket.updated',
      source: 'zendesk-trigger-webhook',
      ticket: { status: 'open', requesterEmail: requester.email, requesterId: String(requester.id) },
    });
    expect(
      (normalizeTriggerWebhook({ ...rendered }) as { events: { eventId: string }[] }).events[0]!.eventId,
    ).toBe(event.eventId);
    // Another change in the same second (whole-second timestamps) is another event, not a duplicate.
    const sameSecond = normalizeTriggerWebhook({ ...rendered, status: 'Solved' }) as {
      events: { eventId: string }[];
    };
    expect(sameSecond.events[0]!.eventId).not.toBe(event.eventId);
    expect(normalizeTriggerWebhook({ ...rendered, status: 42 })).toMatchObject({ kind: 'invalid' });
    expect(normalizeTriggerWebhook({ ...rendered, requester_email: 'not-an-email' })).toMatchObject({
      kind: 'invalid',
    });
  });

  it('carries the custom fields a trigger body renders, by field id, a field without a value as null', () => {
    const rendered = JSON.parse(
      renderTriggerTemplate(
        JSON.stringify({
          ...RECOMMENDED_TRIGGER_BODY,
          custom_fields: { '360010000001': 'billing', ' 360010000002 ': '{{ticket.ticket_field_1}}' },
        }),
        opened.after,
        world,
      ),
    );
    const result = normalizeTriggerWebhook(rendered) as { events: TicketEvent[] };
    expect(decode(Topics.ticketEvents, result.events[0]).ticket.customFields).toEqual({
      '360010000001': 'billing',
      '360010000002': null,
    });
    // Without them the snapshot does not carry the field at all: what the read model holds is kept.
    const plain = normalizeTriggerWebhook({ ...rendered, custom_fields: undefined }) as {
      events: TicketEvent[];
    };
    expect(plain.events[0]!.ticket.customFields).toBeUndefined();
    // A typo in the body's custom fields costs that entry, never the body's status and email.
    const typo = normalizeTriggerWebhook({ ...rendered, custom_fields: { abc: 'x', '360010000001': 7 } }) as {
      events: TicketEvent[];
    };
    expect(typo.events[0]!.ticket).toMatchObject({ status: 'open', customFields: {} });
    const notAnObject = normalizeTriggerWebhook({ ...rendered, custom_fields: 'x' }) as {
      events: TicketEvent[];
    };
    expect(notAnObject.events[0]!.ticket.customFields).toBeUndefined();
  });

  it('carries every custom field of an exported ticket, by field id', () => {
    const ticket = restTicket(opened.after, world.host);
    const event = reconciledEvent(ticket, [], 'pass-1');
    expect(decode(Topics.ticketEvents, event).ticket.customFields).toEqual(
      Object.fromEntries(ticket.custom_fields.map((f) => [String(f.id), f.value])),
    );
    expect(Object.keys(event.ticket.customFields!)).toHaveLength(2);
    const odd = reconciledEvent(
      {
        ...ticket,
        custom_fields: [
          { id: 1, value: 'a\u0000b' },
          { id: 2, value: ['x\u0000', 'y'] },
          { id: 3, value: { nested: true } as never },
          { id: 4, value: true },
        ],
      },
      [],
      'pass-2',
    );
    expect(decode(Topics.ticketEvents, odd).ticket.customFields).toEqual({
      '1': 'ab',
      '2': ['x', 'y'],
      '4': true,
    });
  });

  describe('what Zendesk really sends is never refused', () => {
    const [createdEnvelope] = eventWebhooks(created, world);
    const envelope = JSON.parse(JSON.stringify(createdEnvelope)) as Record<string, unknown> & {
      detail: Record<string, unknown>;
    };
    const ticketOf = (result: ReturnType<typeof normalizeEventWebhook>) => {
      expect(result).toMatchObject({ kind: 'events' });
      const [event] = (result as { events: TicketEvent[] }).events;
      return decode(Topics.ticketEvents, event).ticket;
    };
    const trigger = () =>
      JSON.parse(renderTriggerTemplate(JSON.stringify(RECOMMENDED_TRIGGER_BODY), opened.after, world));

    it.each([
      ['ARCHIVED', 'archived', 'solved'], // Zendesk archives only closed tickets
      ['SCRUBBED', 'scrubbed', null], // what a permanent delete leaves: no live ticket
      ['AWAITING_PARTS', 'awaiting_parts', 'open'], // a status Zendesk may add: never looks closed
    ] as const)('keeps the status %s raw as %s, in the %s category', (status, raw, category) => {
      const ticket = ticketOf(normalizeEventWebhook({ ...envelope, detail: { ...envelope.detail, status } }));
      expect(ticket).toMatchObject({ status: raw, statusCategory: category });
      const changed = normalizeEventWebhook({
        ...envelope,
        type: 'zen:event-type:ticket.status_changed',
        detail: { ...envelope.detail, status },
        event: { previous: 'OPEN', current: status },
      });
      expect(changed).toMatchObject({ events: [{ change: { previous: 'open', current: raw } }] });
    });

    it('takes trigger timestamps rendered without seconds', () => {
      const result = normalizeTriggerWebhook({
        ...trigger(),
        created_at: '2013-12-12T05:35Z',
        updated_at: '2013-12-12T06:00+01:00',
      });
      expect(ticketOfTrigger(result)).toMatchObject({
        createdAt: '2013-12-12T05:35:00.000Z',
        updatedAt: '2013-12-12T05:00:00.000Z',
      });
    });

    it.each(['jürgen@münchen.de', '用户@例子.广告'])('takes the internationalised email %s', (email) => {
      expect(
        ticketOfTrigger(normalizeTriggerWebhook({ ...trigger(), requester_email: email })),
      ).toMatchObject({ requesterEmail: email });
    });

    it('takes a trigger for a requester without email, and a custom status label', () => {
      const ticket = ticketOfTrigger(
        normalizeTriggerWebhook({ ...trigger(), requester_email: '', status: 'Waiting on parts' }),
      );
      expect(ticket).toMatchObject({
        requesterEmail: null,
        status: 'waiting on parts',
        statusCategory: 'open',
      });
    });

    it('leaves out what a partial event does not carry instead of nulling it', () => {
      const assigned = ticketOf(
        normalizeEventWebhook({
          ...envelope,
          type: 'zen:event-type:ticket.agent_assignment_changed',
          detail: { id: envelope.detail['id'], updated_at: envelope.detail['updated_at'] },
          event: { previous: null, current: 8_447_388_090_494 },
        }),
      );
      expect(assigned).toEqual({
        id: envelope.detail['id'],
        assigneeId: '8447388090494',
        updatedAt: envelope.detail['updated_at'],
      });
      const prioritised = ticketOf(
        normalizeEventWebhook({
          ...envelope,
          type: 'zen:event-type:ticket.priority_changed',
          detail: { id: envelope.detail['id'] },
          event: { previous: 'LOW', current: 'URGENT' },
        }),
      );
      expect(prioritised).toEqual({
        id: envelope.detail['id'],
        priority: 'urgent',
        updatedAt: envelope.time,
      });
      // Unassigning is a value: null stays null.
      const unassigned = ticketOf(
        normalizeEventWebhook({
          ...envelope,
          type: 'zen:event-type:ticket.agent_assignment_changed',
          detail: { id: envelope.detail['id'], assignee_id: null },
        }),
      );
      expect(unassigned).toMatchObject({ assigneeId: null });
    });

    it('leaves out of a trigger snapshot the fields its body does not render', () => {
      const onTheWire = JSON.parse(JSON.stringify(ticketOfTrigger(normalizeTriggerWebhook(trigger()))));
      for (const field of ['customStatusId', 'type', 'groupId', 'organizationId', 'tags', 'subject'])
        expect(onTheWire).not.toHaveProperty(field);
    });
  });

  describe('a ticket time after now + the tolerance is refused: it would outrank every later change', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    const options = { now: NOW, futureToleranceMs: 3_600_000 };
    const [createdEnvelope] = eventWebhooks(created, world);
    const envelope = JSON.parse(JSON.stringify(createdEnvelope)) as Record<string, unknown> & {
      detail: Record<string, unknown>;
    };
    const trigger = () =>
      JSON.parse(renderTriggerTemplate(JSON.stringify(RECOMMENDED_TRIGGER_BODY), opened.after, world));

    type Patch = { time?: string; type?: string; detail?: Record<string, string> };
    it.each<[string, Patch, string]>([
      ['event time', { time: '9999-01-01T00:00:00Z' }, 'time'],
      ['detail.updated_at', { detail: { updated_at: '9999-12-31T23:59:59Z' } }, 'detail.updated_at'],
      ['detail.created_at', { detail: { created_at: at(NOW + 3_600_001) } }, 'detail.created_at'],
      [
        'a priority change with updated_at a day ahead',
        { type: 'zen:event-type:ticket.priority_changed', detail: { updated_at: at(NOW + 86_400_000) } },
        'detail.updated_at',
      ],
    ])('event webhook: %s', (_name, patch, field) => {
      const body = { ...envelope, ...patch, detail: { ...envelope.detail, ...patch.detail } };
      expect(normalizeEventWebhook(body, options)).toMatchObject({
        kind: 'invalid',
        code: 'future-timestamp',
        reason: expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}: .* after now`)),
      });
      // Without a clock the normalizer holds times to the contract only (1970-9999).
      expect(normalizeEventWebhook(body)).toMatchObject({ kind: 'events' });
    });

    it.each([
      ['updated_at', { updated_at: '9999-01-01T00:00Z' }],
      ['created_at', { created_at: at(NOW + 2 * 3_600_000) }],
    ])('trigger webhook: %s', (field, patch) => {
      expect(normalizeTriggerWebhook({ ...trigger(), ...patch }, options)).toMatchObject({
        kind: 'invalid',
        code: 'future-timestamp',
        reason: expect.stringContaining(`${field}: `),
      });
    });

    it('takes times ahead of now within the tolerance (clock skew) and minute-precision trigger times', () => {
      const soon = at(NOW + 3_600_000);
      expect(
        normalizeEventWebhook(
          { ...envelope, time: soon, detail: { ...envelope.detail, updated_at: soon, created_at: soon } },
          options,
        ),
      ).toMatchObject({ kind: 'events' });
      // Rendered in the current minute, without seconds: never after now.
      const minute = new Date(NOW).toISOString().slice(0, 16) + 'Z';
      expect(
        ticketOfTrigger(
          normalizeTriggerWebhook({ ...trigger(), created_at: minute, updated_at: minute }, options),
        ),
      ).toMatchObject({ updatedAt: at(Date.parse(minute)) });
      expect(
        normalizeTriggerWebhook({ ...trigger(), updated_at: at(NOW + 3_500_000) }, options),
      ).toMatchObject({ kind: 'events' });
      // A tolerance of its own: one minute.
      expect(
        normalizeTriggerWebhook(
          { ...trigger(), updated_at: at(NOW + 120_000) },
          { now: NOW, futureToleranceMs: 60_000 },
        ),
      ).toMatchObject({ kind: 'invalid', code: 'future-timestamp' });
    });
  });

  describe('a signed body that breaks the contract is invalid (400), not a failed produce (503)', () => {
    const [envelope] = eventWebhooks(created, world);
    const rendered = () =>
      JSON.parse(renderTriggerTemplate(JSON.stringify(RECOMMENDED_TRIGGER_BODY), opened.after, world));

    it.each([
      ['an assignee id that is not one', { assignee_id: 'abc' }, 'assignee_id'],
      ['a requester id that is not one', { requester_id: '12.5' }, 'requester_id'],
      ['a ticket id past 64 bits', { ticket_id: '9'.repeat(25) }, 'ticket_id'],
      ['a ticket id of 250,000 digits', { ticket_id: '9'.repeat(250_000) }, 'ticket_id'],
      ['a date before 1970', { created_at: '0000-01-01T00:00:00Z' }, 'created_at'],
      ['a date past year 9999 in UTC', { updated_at: '9999-12-31T23:59:59-05:00' }, 'updated_at'],
      ['a NUL in the email', { requester_email: 'a\u0000b@example.com' }, 'requesterEmail'],
    ])('trigger: %s', (_name, patch, field) => {
      expect(normalizeTriggerWebhook({ ...rendered(), ...patch })).toMatchObject({
        kind: 'invalid',
        reason: expect.stringContaining(field),
      });
    });

    it.each([
      ['a ticket id past 64 bits', { detail: { ...envelope!.detail, id: '9'.repeat(25) } }, 'id'],
      ['a ticket id of 250,000 digits', { detail: { ...envelope!.detail, id: '9'.repeat(250_000) } }, 'id'],
      [
        'a merge target of 250,000 digits',
        { type: 'zen:event-type:ticket.merged', event: { target_ticket_id: '9'.repeat(250_000) } },
        'mergedIntoTicketId',
      ],
      [
        'a date before 1970',
        { detail: { ...envelope!.detail, created_at: '0000-01-01T00:00:00Z' } },
        'created_at',
      ],
      ['an unsafe integer id', { detail: { ...envelope!.detail, assignee_id: 2 ** 60 } }, 'assignee_id'],
      ['a NUL in the event id', { id: 'e\u0000' }, 'eventId'],
      [
        'a merge target that is not an id',
        { type: 'zen:event-type:ticket.merged', event: { target_ticket_id: 'x' } },
        'mergedIntoTicketId',
      ],
    ])('event: %s', (_name, patch, field) => {
      expect(normalizeEventWebhook({ ...envelope, ...patch })).toMatchObject({
        kind: 'invalid',
        reason: expect.stringContaining(field),
      });
    });

    it('drops a NUL from free text instead of refusing the event', () => {
      const result = normalizeEventWebhook({
        ...envelope,
        detail: { ...envelope!.detail, subject: 'a\u0000b' },
      });
      expect(result).toMatchObject({ kind: 'events', events: [{ ticket: { subject: 'ab' } }] });
    });
  });
});

function ticketOfTrigger(result: ReturnType<typeof normalizeTriggerWebhook>) {
  expect(result).toMatchObject({ kind: 'events' });
  return decode(Topics.ticketEvents, (result as { events: TicketEvent[] }).events[0]).ticket;
}
