import type { DataSource } from 'typeorm';
import type { TicketEvent, UserEvent } from '@ticketflow/contracts';
import type { PartitionBatch } from '@ticketflow/kafka';
import {
  ConsumerOffsetEntity,
  loadConsumerOffsets,
  openDatabase,
  persistenceMigrations,
} from '@ticketflow/persistence';
import { createTestSchema, type TestSchema } from '@ticketflow/testing';
import { enrichmentMigrations } from './index';
import { EnrichmentProjector } from './projector';

const created = (n: number): TicketEvent => ({
  schemaVersion: 1,
  type: 'ticket.created',
  eventId: `e-${n}`,
  source: 'zendesk-event-webhook',
  occurredAt: '2026-11-25T10:00:00.000Z',
  ticketId: String(10_000 + n),
  sequenceId: `s-${n}`,
  ticket: {
    id: String(10_000 + n),
    subject: 'Help',
    status: 'open',
    statusCategory: 'open',
    customStatusId: null,
    priority: 'normal',
    type: null,
    requesterId: String(500 + (n % 7)),
    requesterEmail: n % 7 === 0 ? 'Seven@Example.com' : null,
    assigneeId: null,
    groupId: null,
    organizationId: null,
    tags: [],
    createdAt: '2026-11-25T10:00:00Z',
    updatedAt: '2026-11-25T10:00:00Z',
  },
});

const batchOf = <T>(topic: string, values: T[], nextOffset: string): PartitionBatch<T> => ({
  topic,
  partition: 0,
  nextOffset,
  messages: values.map((value, i) => ({ offset: String(i), key: null, value, headers: {} })),
});

describe('EnrichmentProjector against real Postgres', () => {
  let schema: TestSchema;
  let db: DataSource;
  let projector: EnrichmentProjector;
  const count = async (table: string) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    schema = await createTestSchema('proj');
    db = await openDatabase({
      url: schema.url,
      schema: schema.schema,
      entities: [ConsumerOffsetEntity],
      migrations: [...persistenceMigrations, ...enrichmentMigrations],
    });
    projector = new EnrichmentProjector(db, 'g');
  });

  afterAll(async () => {
    await db.destroy();
    await schema.drop();
  });

  it('applies a large batch in one transaction with its offset, and the same batch again changes nothing', async () => {
    // 3,000 tickets: far more ids than one NOTIFY payload (8,000 bytes) can carry.
    const events = Array.from({ length: 3_000 }, (_, n) => created(n));
    await projector.applyTicketBatch(batchOf('t', events, '3000'));
    expect(await count('tickets')).toBe(3_000);
    expect(await count('ticket_status_history')).toBe(3_000);
    expect(await loadConsumerOffsets(db.manager, 'g', 't')).toEqual([
      { topic: 't', partition: 0, nextOffset: '3000' },
    ]);
    await projector.applyTicketBatch(batchOf('t', events, '3000'));
    expect(await count('tickets')).toBe(3_000);
    expect(await count('ticket_status_history')).toBe(3_000);
  });

  it("attaches tickets to a user who arrives later and queues the user's open tickets for Kafka", async () => {
    const user: UserEvent = {
      schemaVersion: 1,
      type: 'user.upserted',
      eventId: 'u1',
      occurredAt: '2026-11-25T11:00:00Z',
      userId: 'u-7',
      email: 'seven@example.COM',
    };
    await db.query(`DELETE FROM outbox`);
    await projector.applyUserBatch(batchOf('users', [user], '1'));
    const [row] = await db.query(`SELECT key, value FROM outbox`);
    expect(row.key).toBe('u-7');
    // Requester 500 (n % 7 === 0) carried the email in its trigger snapshots: 429 of the 3,000 tickets.
    expect(row.value.openCount).toBe(429);
    expect(row.value.openTicketIds[0]).toBe('10000');
  });
});
