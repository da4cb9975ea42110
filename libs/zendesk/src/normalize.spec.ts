import { Topics, decode } from '@ticketflow/contracts';
import { World, auditIdOf, eventWebhooks, renderTriggerTemplate } from '@ticketflow/zendesk-simulator';
import { RECOMMENDED_TRIGGER_BODY, normalizeEventWebhook, normalizeTriggerWebhook } from './normalize';

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
        requesterEmail: null,
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
    });
    expect(normalizeEventWebhook({ ...envelope, type: 'zen:event-type:ticket.brand_new_thing' }).kind).toBe(
      'ignored',
    );
    const missingId = normalizeEventWebhook({ ...envelope, id: undefined });
    expect(missingId).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('id') });
    const badStatus = normalizeEventWebhook({
      ...envelope,
      detail: { ...envelope!.detail, status: 'EXPLODED' },
    });
    expect(badStatus).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('status') });
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
    expect(normalizeTriggerWebhook({ ...rendered, status: 'Exploded' })).toMatchObject({ kind: 'invalid' });
    expect(normalizeTriggerWebhook({ ...rendered, requester_email: '' })).toMatchObject({ kind: 'invalid' });
  });
});
