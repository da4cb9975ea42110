import type { DataSource } from 'typeorm';
import type { RestGroup, ZendeskClient } from '@ticketflow/zendesk';
import { openTestDatabase } from '@ticketflow/testing';
import { GroupNames } from './groups';
import { enrichmentMigrations } from './migrations';

describe('GroupNames against real Postgres', () => {
  let db: DataSource;
  let close: () => Promise<void>;
  beforeAll(async () => ({ db, close } = await openTestDatabase('groups', enrichmentMigrations)));
  afterAll(() => close());

  it('reads the groups when a ticket names an unknown one, once per id per interval, never twice at once', async () => {
    const listed: RestGroup[] = [{ id: 1, name: 'User', created_at: '', updated_at: '' }];
    let reads = 0;
    const zendesk = {
      groups: async () => (reads++, listed.map((g) => ({ ...g }))),
    } as unknown as ZendeskClient;
    let now = 0;
    const errors: Error[] = [];
    const groups = new GroupNames(
      db,
      zendesk,
      (e) => errors.push(e),
      30_000,
      () => now,
    );
    const name = async (id: string) =>
      ((await db.query(`SELECT name FROM zendesk_groups WHERE group_id = $1`, [id]))[0] as { name: string })
        ?.name;

    groups.noticed(['1', null, undefined]);
    groups.noticed(['1']); // a read is in flight: not a second one
    await groups.settled();
    expect(reads).toBe(1);
    expect(await name('1')).toBe('User');
    groups.noticed(['1']);
    await groups.settled();
    expect(reads).toBe(1); // known now

    listed.push({ id: 2, name: 'Partners', created_at: '', updated_at: '' });
    groups.noticed(['1', '2']);
    await groups.settled();
    expect(reads).toBe(2);
    expect(await name('2')).toBe('Partners');

    // A group Zendesk does not list (deleted): asked about again only after the interval.
    groups.noticed(['3']);
    await groups.settled();
    groups.noticed(['3']);
    await groups.settled();
    expect(reads).toBe(3);
    now += 30_000;
    groups.noticed(['3']);
    await groups.settled();
    expect(reads).toBe(4);
    // A pass's read joins one in flight; after close nothing starts.
    listed.push({ id: 4, name: 'Billing', created_at: '', updated_at: '' });
    groups.noticed(['4']);
    await groups.refresh();
    expect(reads).toBe(5);
    await groups.close();
    groups.noticed(['5']);
    await groups.settled();
    expect(reads).toBe(5);
    expect(errors).toEqual([]);
  });
});
