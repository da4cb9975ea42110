import type { DataSource } from 'typeorm';
import { Topics, type TicketEvent, type UserEvent, type UserOpenTicketsChanged } from '@ticketflow/contracts';
import type { EventProducer, PartitionBatch } from '@ticketflow/kafka';
import { loadConsumerOffsets } from '@ticketflow/persistence';
import { openTestDatabase } from '@ticketflow/testing';
import { enrichmentMigrations } from './migrations';
import { OpenSetPublisher } from './open-set-publisher';
import { EnrichmentProjector, LOOKUP_GRACE_MS } from './projector';
import { RequesterResolver } from './requester-resolver';

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

const batchOf = <T>(topic: string, values: T[], nextOffset: string, partition = 0): PartitionBatch<T> => {
  const first = BigInt(nextOffset) - BigInt(values.length);
  return {
    topic,
    partition,
    firstOffset: first.toString(),
    nextOffset,
    resumedFrom: null,
    messages: values.map((value, i) => ({
      offset: String(first + BigInt(i)),
      key: null,
      value,
      headers: {},
    })),
  };
};

/** Stands in for Kafka: what the publisher sent, in order. */
function capturingProducer() {
  const sent: UserOpenTicketsChanged[] = [];
  const producer = {
    publish: async (_topic: unknown, events: { value: UserOpenTicketsChanged }[]) => {
      sent.push(...events.map((e) => e.value));
      return [];
    },
    quiesced: async () => true,
  } as unknown as EventProducer;
  return { sent, producer };
}

describe('EnrichmentProjector against real Postgres', () => {
  let close: () => Promise<void>;
  let db: DataSource;
  let projector: EnrichmentProjector;
  const count = async (table: string) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase('proj', enrichmentMigrations));
    projector = new EnrichmentProjector(db, 'g');
  });

  afterAll(() => close());

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

  const upsert = (userId: string, email: string, n = 1): UserEvent => ({
    schemaVersion: 1,
    type: 'user.upserted',
    eventId: `${userId}-${n}`,
    occurredAt: '2026-11-25T11:00:00Z',
    userId,
    email,
  });

  async function publishAll(publisher: OpenSetPublisher) {
    while ((await publisher.flush()) > 0);
  }

  it("attaches tickets to a user who arrives later and publishes the user's open tickets", async () => {
    const { sent, producer } = capturingProducer();
    const publisher = new OpenSetPublisher(db, producer, Topics.userOpenTickets);
    await publishAll(publisher);
    sent.length = 0;
    await projector.applyUserBatch(batchOf('users', [upsert('u-7', 'seven@example.COM')], '1'));
    await publishAll(publisher);
    expect(sent).toHaveLength(1);
    // Requester 500 (n % 7 === 0) carried the email in its trigger snapshots: 429 of the 3,000 tickets.
    expect(sent[0]!.userId).toBe('u-7');
    expect(sent[0]!.openCount).toBe(429);
    expect(sent[0]!.openTicketIds[0]).toBe('10000');
    expect(sent[0]!.version).toBeGreaterThan(0);
    // Nothing changed: nothing more is published.
    await projector.applyUserBatch(batchOf('users', [upsert('u-7', 'seven@example.com', 2)], '2'));
    await publishAll(publisher);
    expect(sent).toHaveLength(1);
  });

  it('fences batches by the stored offset: a batch applied again, or overlapping, applies nothing twice; a gap is refused', async () => {
    const topic = 'fence';
    const events = Array.from({ length: 10 }, (_, n) => created(5_000 + n));
    expect((await projector.applyTicketBatch(batchOf(topic, events.slice(0, 6), '6'))).events).toBe(6);
    // A zombie's batch 3..7 after 0..5 was applied: only 6 and 7 are new.
    expect((await projector.applyTicketBatch(batchOf(topic, events.slice(3, 8), '8'))).events).toBe(2);
    expect((await projector.applyTicketBatch(batchOf(topic, events.slice(0, 8), '8'))).events).toBe(0);
    // Starting at 9 while 8 was never applied: refused with where to resume.
    await expect(projector.applyTicketBatch(batchOf(topic, events.slice(9), '10'))).rejects.toMatchObject({
      name: 'OffsetGap',
      expected: '8',
    });
    // Positioned at 8 by the consumer, a batch starting at 9 skips what the log no longer has (compaction).
    const compacted = { ...batchOf(topic, events.slice(9), '10'), resumedFrom: '8' };
    expect((await projector.applyTicketBatch(compacted)).events).toBe(1);
    expect(await loadConsumerOffsets(db.manager, 'g', topic)).toEqual([
      { topic, partition: 0, nextOffset: '10' },
    ]);
  });

  it('publishes every open set right when batches of one user run concurrently (no write skew)', async () => {
    const { sent, producer } = capturingProducer();
    const publisher = new OpenSetPublisher(db, producer, Topics.userOpenTickets);
    const email = 'skew@example.com';
    await projector.applyUserBatch(batchOf('users', [upsert('u-skew', email)], '3'));
    await projector.addRequesters([{ requesterId: '777', email }]);
    // Event webhooks carry no email: the concurrent batches share no row they would lock.
    const ticket = (n: number): TicketEvent => {
      const event = created(20_000 + n);
      return {
        ...event,
        ticket: { ...event.ticket!, requesterId: '777', requesterEmail: null },
      } as TicketEvent;
    };
    const publishing = (async () => {
      for (let i = 0; i < 200; i++) await publisher.flush();
    })();
    // 12 rounds of 4 transactions at once, each adding one ticket of the same user from its own partition.
    for (let round = 0; round < 12; round++) {
      await Promise.all(
        [0, 1, 2, 3].map((p) =>
          projector.applyTicketBatch(batchOf('skew', [ticket(round * 4 + p)], String(round + 1), p)),
        ),
      );
    }
    await publishing;
    await publishAll(publisher);
    const mine = sent.filter((s) => s.userId === 'u-skew');
    expect(mine.at(-1)!.openCount).toBe(48);
    // Versions only grow, and counts never go down while tickets are only added.
    for (let i = 1; i < mine.length; i++) {
      expect(mine[i]!.version!).toBeGreaterThan(mine[i - 1]!.version!);
      expect(mine[i]!.openCount).toBeGreaterThanOrEqual(mine[i - 1]!.openCount);
    }
  });

  it('takes a user away from a ticket whose requester changed email, and publishes an empty set for a deleted user', async () => {
    const { sent, producer } = capturingProducer();
    const publisher = new OpenSetPublisher(db, producer, Topics.userOpenTickets);
    await projector.applyUserBatch(
      batchOf('users', [upsert('u-a', 'a@example.com'), upsert('u-b', 'b@example.com')], '5'),
    );
    const event = created(30_000);
    await projector.applyTicketBatch(
      batchOf(
        'move',
        [{ ...event, ticket: { ...event.ticket!, requesterId: '888', requesterEmail: null } } as TicketEvent],
        '1',
      ),
    );
    await projector.addRequesters([{ requesterId: '888', email: 'a@example.com' }]);
    await publishAll(publisher);
    const last = (userId: string) => sent.filter((s) => s.userId === userId).at(-1);
    expect(last('u-a')!.openTicketIds).toEqual(['40000']);
    await projector.addRequesters([{ requesterId: '888', email: 'B@example.com' }]);
    await publishAll(publisher);
    expect(last('u-a')!.openTicketIds).toEqual([]);
    expect(last('u-b')!.openTicketIds).toEqual(['40000']);
    const deleted: UserEvent = { ...upsert('u-b', 'b@example.com', 9), type: 'user.deleted' } as UserEvent;
    await projector.applyUserBatch(batchOf('users', [deleted], '6'));
    await publishAll(publisher);
    expect(last('u-b')!.openTicketIds).toEqual([]);
  });

  it('republishes the current set after a send that Kafka appended but never acknowledged', async () => {
    const { sent, producer } = capturingProducer();
    const publisher = new OpenSetPublisher(db, producer, Topics.userOpenTickets);
    await projector.applyUserBatch(batchOf('users', [upsert('u-doubt', 'doubt@example.com')], '7'));
    await projector.addRequesters([{ requesterId: '909', email: 'doubt@example.com' }]);
    const ticket = (n: number, status: 'open' | 'solved', minute: number): TicketEvent => {
      const event = created(n);
      const at = `2026-11-25T10:${String(minute).padStart(2, '0')}:00Z`;
      return {
        ...event,
        eventId: `doubt-${n}-${minute}`,
        ticket: {
          ...event.ticket!,
          requesterId: '909',
          requesterEmail: null,
          status,
          statusCategory: status,
          updatedAt: at,
        },
      } as TicketEvent;
    };
    await projector.applyTicketBatch(batchOf('doubt', [ticket(32_000, 'open', 1)], '1'));
    await publishAll(publisher);
    const last = () => sent.filter((s) => s.userId === 'u-doubt').at(-1)!;
    expect(last().openTicketIds).toEqual(['42000']);

    // A second ticket opens; the send times out, and kafkajs, still retrying it, appends that set later.
    await projector.applyTicketBatch(batchOf('doubt', [ticket(32_001, 'open', 2)], '2'));
    let appended: Promise<void> = Promise.resolve();
    const timingOut = {
      publish: async (topic: never, events: never[]) => {
        appended = new Promise((resolve) => setTimeout(resolve, 200)).then(() =>
          producer.publish(topic, events),
        ) as Promise<void>;
        throw new Error('sending to Kafka: no answer within 30000 ms');
      },
      quiesced: async () => (await appended, true),
    } as unknown as EventProducer;
    await expect(new OpenSetPublisher(db, timingOut, Topics.userOpenTickets).flush()).rejects.toThrow(
      /no answer/,
    );
    // It is solved again at once and the next round runs: the set equals the recorded one, yet Kafka holds
    // (or will hold) the unacknowledged one.
    await projector.applyTicketBatch(batchOf('doubt', [ticket(32_001, 'solved', 3)], '3'));
    await publishAll(publisher);
    await appended;
    const mine = sent.filter((s) => s.userId === 'u-doubt');
    expect(mine.map((s) => s.openTicketIds)).toEqual([['42000'], ['42000', '42001'], ['42000']]);
    expect(last().version).toBe(Math.max(...mine.map((s) => s.version!)));
    expect(await count('open_sets_in_doubt')).toBe(0);
  });

  it("keeps a requester's newest email whatever order its tickets' triggers are projected in", async () => {
    const { sent, producer } = capturingProducer();
    const publisher = new OpenSetPublisher(db, producer, Topics.userOpenTickets);
    await projector.applyUserBatch(
      batchOf('users', [upsert('u-old', 'old@example.com'), upsert('u-new', 'new@example.com')], '9'),
    );
    // Two tickets of requester 960 on two partitions: the later update says the requester's email changed.
    const trigger = (n: number, email: string, minute: number): TicketEvent => {
      const event = created(n);
      const at = `2026-11-25T10:${String(minute).padStart(2, '0')}:00Z`;
      return {
        ...event,
        eventId: `email-${n}`,
        source: 'zendesk-trigger-webhook',
        ticket: { ...event.ticket!, requesterId: '960', requesterEmail: email, updatedAt: at },
      } as TicketEvent;
    };
    await projector.applyTicketBatch(batchOf('email-b', [trigger(33_001, 'New@example.com', 10)], '1', 1));
    await projector.applyTicketBatch(batchOf('email-a', [trigger(33_000, 'old@example.com', 5)], '1', 0));
    const [row] = await db.query(
      `SELECT email_normalized FROM zendesk_requesters WHERE requester_id = '960'`,
    );
    expect(row.email_normalized).toBe('new@example.com');
    await publishAll(publisher);
    const last = (userId: string) => sent.filter((s) => s.userId === userId).at(-1);
    expect(last('u-new')!.openTicketIds).toEqual(['43000', '43001']);
    expect(last('u-old')?.openTicketIds ?? []).toEqual([]);
  });

  it('resolves requesters although Zendesk returns some without an email (phone, messaging, social users)', async () => {
    const event = created(31_000);
    const outcome = await projector.applyTicketBatch(
      batchOf(
        'noemail',
        [
          { ...event, ticket: { ...event.ticket!, requesterId: '901', requesterEmail: null } } as TicketEvent,
          {
            ...created(31_001),
            ticket: { ...created(31_001).ticket!, requesterId: '902', requesterEmail: null },
          } as TicketEvent,
        ],
        '2',
      ),
    );
    let phoneOnly = true;
    const zendesk = {
      showManyUsers: async (ids: string[]) =>
        ids
          .filter((id) => id === '901' || id === '902')
          .map((id) => ({
            id: Number(id),
            email: id === '902' ? 'nine-o-two@example.com' : phoneOnly ? null : 'nine-o-one@example.com',
          })),
    };
    // The batch records both lookups and leaves them to its own consumer for a while before a sweep takes them.
    expect(outcome.lookups.sort()).toEqual(['901', '902']);
    const resolver = new RequesterResolver(db, zendesk as never, projector, { askAgainAfterMs: 60_000 });
    expect(await resolver.resolvePending()).toBe(0);
    expect(await resolver.resolvePending(LOOKUP_GRACE_MS + 5_000)).toBe(1);
    const [row] = await db.query(
      `SELECT email_normalized FROM zendesk_requesters WHERE requester_id = '902'`,
    );
    expect(row.email_normalized).toBe('nine-o-two@example.com');

    // The phone-only user gains an email: asked again once the pause is over, never given up on.
    phoneOnly = false;
    expect(await resolver.resolvePending(LOOKUP_GRACE_MS + 5_000)).toBe(0);
    expect(await resolver.resolvePending(65_000)).toBe(1);
    const [later] = await db.query(
      `SELECT email_normalized FROM zendesk_requesters WHERE requester_id = '901'`,
    );
    expect(later.email_normalized).toBe('nine-o-one@example.com');
    expect(await db.query(`SELECT * FROM requester_lookups WHERE requester_id IN ('901', '902')`)).toEqual(
      [],
    );
  });

  it('finds lookups no batch recorded (a previous version projected the ticket), and a failing call holds back no other', async () => {
    // As a pod of the previous version stores a ticket: no lookup; and a lookup left for a requester resolved since.
    await projector.applyTicketBatch(batchOf('missed', [created(38_900)], '1'));
    await db.query(`DELETE FROM requester_lookups`);
    await db.query(`UPDATE tickets SET requester_id = '921' WHERE ticket_id = $1`, [
      created(38_900).ticketId,
    ]);
    await db.query(
      `INSERT INTO zendesk_requesters (requester_id, email_normalized) VALUES ('922', 'x@example.com')`,
    );
    await db.query(`INSERT INTO requester_lookups (requester_id) VALUES ('922')`);
    const failing = {
      showManyUsers: async () => {
        throw new Error('Zendesk answered 500');
      },
    };
    const resolver = new RequesterResolver(db, failing as never, projector, { retryAfterMs: 60_000 });
    expect(await resolver.recordMissedLookups()).toBeGreaterThanOrEqual(1);
    const lookups = async () =>
      (
        await db.query(
          `SELECT requester_id FROM requester_lookups WHERE requester_id IN ('921', '922') ORDER BY 1`,
        )
      ).map((r: { requester_id: string }) => r.requester_id);
    expect(await lookups()).toEqual(['921']);
    // The failed call defers what it asked for, so the next sweep reads the lookups behind them.
    await expect(resolver.resolvePending()).rejects.toThrow('500');
    expect(
      await db.query(`SELECT 1 FROM requester_lookups WHERE ask_after <= now() + interval '30 seconds'`),
    ).toEqual([]);
    expect(await lookups()).toEqual(['921']);
  });

  it("records a lookup only for a requester whose email is unknown, and a trigger's email settles it", async () => {
    const noEmail = (n: number, requesterId: string, requesterEmail: string | null) =>
      ({ ...created(n), ticket: { ...created(n).ticket!, requesterId, requesterEmail } }) as TicketEvent;
    const first = await projector.applyTicketBatch(
      batchOf('lookups', [noEmail(38_800, '911', null), noEmail(38_801, '912', 'twelve@example.com')], '2'),
    );
    expect(first.lookups).toEqual(['911']);
    // Already waiting: not recorded twice (its consumer is resolving it).
    const again = await projector.applyTicketBatch(batchOf('lookups', [noEmail(38_802, '911', null)], '3'));
    expect(again.lookups).toEqual([]);
    // The requester's trigger carries the email: nothing is left to ask Zendesk for.
    await projector.applyTicketBatch(batchOf('lookups', [noEmail(38_803, '911', 'eleven@example.com')], '4'));
    expect(
      await db.query(`SELECT requester_id FROM requester_lookups WHERE requester_id IN ('911', '912')`),
    ).toEqual([]);
  });
});
