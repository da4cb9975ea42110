import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { sharedIncrementalBudget, ZendeskBudget1795650000000 } from './shared-budget';

describe('shared incremental budget', () => {
  const pools: Pool[] = [];
  const pool = () => {
    const created = new Pool({ connectionString: process.env['DATABASE_URL'], max: 2 });
    pools.push(created);
    return created;
  };
  afterAll(() => Promise.all(pools.map((p) => p.end())));

  it('is one budget for every process using it: the fourth request of three per minute waits', async () => {
    const first = pool();
    const migration = new ZendeskBudget1795650000000();
    const runner = { query: (sql: string) => first.query(sql) } as unknown as QueryRunner;
    await migration.up(runner);
    await migration.up(runner); // every service runs it: idempotent
    // Two "processes", each with its own pool and limiter.
    const reconciler = sharedIncrementalBudget(first, 3);
    const collector = sharedIncrementalBudget(pool(), 3);
    const account = `incremental:${randomUUID()}.zendesk.com`;
    await reconciler.consume(account);
    await collector.consume(account);
    await reconciler.consume(account);
    const refused = await collector.consume(account).then(
      () => null,
      (rejection: { msBeforeNext: number }) => rejection,
    );
    expect(refused?.msBeforeNext).toBeGreaterThan(50_000);
    await expect(collector.consume(`incremental:${randomUUID()}.zendesk.com`)).resolves.toBeDefined();
  });
});
