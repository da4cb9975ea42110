import type { DataSource } from 'typeorm';
import type { UserOpenTicketsChanged } from '@ticketflow/contracts';
import type { PartitionBatch } from '@ticketflow/kafka';
import { openTestDatabase } from '@ticketflow/testing';
import { alertingMigrations } from './migrations';
import { AlertingProcessor } from './processor';

const set = (userId: string, count: number, version: number): UserOpenTicketsChanged => ({
  schemaVersion: 1,
  type: 'user.open_tickets_changed',
  eventId: `${userId}:${version}`,
  occurredAt: '2026-11-25T10:00:00Z',
  userId,
  openTicketIds: Array.from({ length: count }, (_, i) => String(i + 1)),
  openCount: count,
  version,
  causeEventId: null,
});

const batch = (first: number, values: UserOpenTicketsChanged[]): PartitionBatch<UserOpenTicketsChanged> => ({
  topic: 'open-sets',
  partition: 0,
  firstOffset: String(first),
  nextOffset: String(first + values.length),
  resumedFrom: null,
  messages: values.map((value, i) => ({ offset: String(first + i), key: value.userId, value, headers: {} })),
});

describe('AlertingProcessor against real Postgres', () => {
  let close: () => Promise<void>;
  let db: DataSource;
  let processor: AlertingProcessor;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase('alerting', alertingMigrations));
    processor = new AlertingProcessor(db, 'alerting', 3, { counts: 'counts', alerts: 'alerts' });
  });

  afterAll(() => close());

  const history = async (userId: string) =>
    (
      await db.query(`SELECT kind FROM alert_history WHERE user_id = $1 ORDER BY occurred_at, alert_id`, [
        userId,
      ])
    ).map((r: { kind: string }) => r.kind);

  it('a zombie member re-applying an older batch decides no alert (the stored offset fences it)', async () => {
    const up = batch(0, [set('z', 4, 1)]);
    expect((await processor.applyBatch(up)).map((a) => a.type)).toEqual(['user.threshold.exceeded']);
    expect((await processor.applyBatch(batch(1, [set('z', 2, 2)]))).map((a) => a.type)).toEqual([
      'user.threshold.recovered',
    ]);
    // The member that lost the partition still had offset 0 in hand.
    expect(await processor.applyBatch(up)).toEqual([]);
    expect(await history('z')).toEqual(['exceeded', 'recovered']);
  });

  it('an older set that reached the topic after a newer one decides nothing (versions)', async () => {
    await processor.applyBatch(batch(2, [set('v', 4, 10), set('v', 2, 12), set('v', 4, 11)]));
    expect(await history('v')).toEqual(['exceeded', 'recovered']);
    const [state] = await db.query(
      `SELECT open_count, above, version FROM alert_user_state WHERE user_id = 'v'`,
    );
    expect(state).toEqual({ open_count: 2, above: false, version: '12' });
  });
});
