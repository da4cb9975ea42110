import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ContractViolation,
  Topics,
  asyncApiDocument,
  decode,
  encode,
  statusCategoryOf,
  type TicketEvent,
  type TicketSnapshot,
} from './index';

const snapshot: TicketSnapshot = {
  id: '5158',
  subject: 'Printer on fire',
  status: 'open',
  statusCategory: 'open',
  customStatusId: null,
  priority: 'high',
  type: 'incident',
  requesterId: '8447388090494',
  requesterEmail: null,
  assigneeId: null,
  groupId: null,
  organizationId: null,
  tags: ['printer'],
  createdAt: '2026-11-20T10:00:00Z',
  updatedAt: '2026-11-20T10:05:00.672717Z',
};

const statusChanged: TicketEvent = {
  schemaVersion: 1,
  type: 'ticket.status_changed',
  eventId: '2b24ef10-0000-4000-8000-000000000001',
  source: 'zendesk-event-webhook',
  occurredAt: '2026-11-20T10:05:00.672717Z',
  ticketId: '5158',
  sequenceId: 'seq-1',
  ticket: snapshot,
  change: { previous: 'new', current: 'open' },
};

describe('ticket event contract', () => {
  it('round-trips a valid event through encode and decode', () => {
    const bytes = encode(Topics.ticketEvents, statusChanged);
    expect(decode(Topics.ticketEvents, JSON.parse(bytes.toString()))).toEqual(statusChanged);
  });

  it.each([
    ['an unknown type', { ...statusChanged, type: 'ticket.updated_everything' }, /type/],
    ['a numeric ticket id', { ...statusChanged, ticketId: 5158 }, /ticketId/],
    ['an UPPERCASE status', { ...statusChanged, ticket: { ...snapshot, status: 'OPEN' } }, /ticket\.status/],
    ['a missing snapshot', { ...statusChanged, ticket: undefined }, /ticket/],
    ['a date without zone', { ...statusChanged, occurredAt: '2026-11-20 10:05' }, /occurredAt/],
  ])('rejects %s with a reason naming the field', (_name, value, field) => {
    expect(() => decode(Topics.ticketEvents, value)).toThrow(ContractViolation);
    expect(() => decode(Topics.ticketEvents, value)).toThrow(field);
  });

  it('refuses to encode what consumers would reject', () => {
    expect(() => encode(Topics.ticketEvents, { ...statusChanged, ticketId: 'abc' })).toThrow(
      ContractViolation,
    );
  });

  it('maps closed to the solved category and deleted to none', () => {
    expect(statusCategoryOf('closed')).toBe('solved');
    expect(statusCategoryOf('hold')).toBe('hold');
    expect(statusCategoryOf('deleted')).toBeNull();
  });

  it('keeps statuses beyond the documented seven, counting unknown ones open so no live ticket is hidden', () => {
    for (const status of ['archived', 'scrubbed', 'awaiting parts'])
      expect(decode(Topics.ticketEvents, { ...statusChanged, ticket: { ...snapshot, status } })).toBeTruthy();
    expect(statusCategoryOf('archived')).toBe('solved');
    expect(statusCategoryOf('scrubbed')).toBeNull(); // what a permanent delete leaves
    expect(statusCategoryOf('awaiting parts')).toBe('open');
  });

  it('takes a partial snapshot: absent fields are unknown, not null', () => {
    const partial = { id: '5158', assigneeId: '8447388090494', updatedAt: '2026-11-20T10:05:00Z' };
    expect(decode(Topics.ticketEvents, { ...statusChanged, ticket: partial }).ticket).toEqual(partial);
  });

  it.each([
    ['a time before 1970', { ...statusChanged, occurredAt: '0000-01-01T00:00:00Z' }, /occurredAt/],
    ['a time past 9999 in UTC', { ...statusChanged, occurredAt: '9999-12-31T23:00:00-05:00' }, /occurredAt/],
    ['an id past 64 bits', { ...statusChanged, ticketId: '9'.repeat(21) }, /ticketId/],
    [
      'a NUL Postgres cannot store',
      { ...statusChanged, ticket: { ...snapshot, subject: 'a\u0000' } },
      /subject/,
    ],
  ])('rejects %s', (_name, value, field) => {
    expect(() => decode(Topics.ticketEvents, value)).toThrow(field);
  });
});

describe('user event contract', () => {
  it('requires a valid email on user.upserted', () => {
    const base = {
      schemaVersion: 1,
      type: 'user.upserted',
      eventId: 'e1',
      occurredAt: '2026-11-20T10:00:00Z',
      userId: 'u1',
    };
    expect(decode(Topics.userEvents, { ...base, email: 'Ann@Example.com' })).toMatchObject({
      email: 'Ann@Example.com',
    });
    expect(() => decode(Topics.userEvents, { ...base, email: 'not-an-email' })).toThrow(/email/);
  });
});

describe('AsyncAPI document', () => {
  const doc = asyncApiDocument('0.0.0') as {
    asyncapi: string;
    channels: Record<
      string,
      { address: string; messages: Record<string, unknown>; bindings: { kafka: { partitions: number } } }
    >;
    components: { schemas: Record<string, unknown> };
  };

  it('documents every topic with its messages, partitions and schemas', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const addresses = Object.values(doc.channels).map((c) => c.address);
    expect(addresses).toEqual(Object.values(Topics).map((t) => t.name));
    expect(Object.keys(doc.channels['ticketEvents']!.messages)).toContain('TicketStatusChanged');
    expect(doc.channels['ticketEvents']!.bindings.kafka.partitions).toBe(Topics.ticketEvents.partitions);
    expect(doc.components.schemas).toHaveProperty('TicketSnapshot');
  });

  it('matches the checked-in docs/asyncapi/asyncapi.json (run npm run asyncapi after changing contracts)', () => {
    const root = join(__dirname, '../../..');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const checkedIn = JSON.parse(readFileSync(join(root, 'docs/asyncapi/asyncapi.json'), 'utf8'));
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(asyncApiDocument(version))));
  });
});
