import type { INestApplication } from '@nestjs/common';
import { createTestSchema, type TestSchema } from '@ticketflow/testing';
import { ADMIN_EMAIL, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import { createStatsCollectorApp } from './stats-collector.service';
import type { StatsCollectorRuntime } from './stats-collector.runtime';
import { statsConfig } from './testing';

/** How much faster than real time the shared clock runs: 10 in CI, 1 for the real-time run (see README). */
const SPEED = Number(process.env['STATS_LIVE_SPEED'] ?? 10);
const WINDOWS = 10;
const W = 60;

jest.setTimeout(((WINDOWS + 4) * W * 1000) / SPEED + 120_000);

/**
 * A7: the collector as a service (continuous mode) while Zendesk changes at 5 actions a second with 2 % of
 * requests failing: 60 s windows, 5 s settle, 10 windows each stored equal to the truth of that window.
 * Simulator and collector read one clock, sped up in CI (`STATS_LIVE_SPEED`, 1 = real time).
 */
describe('live 60 s windows while Zendesk changes (A7)', () => {
  let sim: Simulator;
  let schema: TestSchema;
  let app: INestApplication;
  let runtime: StatsCollectorRuntime;
  let first: number;

  beforeAll(async () => {
    const base = Date.now();
    const clock = () => base + (Date.now() - base) * SPEED;
    sim = await startSimulator({
      tickets: 500,
      seed: 7,
      clock,
      apiFaults: { errorRate: 0.02 },
      // The export's other forms (S3): child events keyed by the field, and assignee changes among them.
      auditExport: { childEvents: 'field-keyed', assigneeEvents: true },
      limits: { perMinute: 100_000, incrementalPerMinute: 100_000 },
    });
    sim.runScenario({ ratePerSecond: 5 * SPEED, seed: 7 });
    schema = await createTestSchema('stats_a7');
    const start = Math.floor(clock() / 1000);
    first = Math.ceil(start / W) * W;
    const config = statsConfig({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, schema.schema, {
      STATS_START_TIME: new Date(start * 1000).toISOString(),
      STATS_WINDOW_SECONDS: String(W),
      STATS_SETTLE_SECONDS: '5',
      STATS_MODE: 'continuous',
    });
    ({ app, runtime } = await createStatsCollectorApp(config, {
      clock,
      maxSleepMs: Math.max(50, 1_000 / SPEED),
    }));
  });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await schema?.drop();
  });

  it('stores 10 consecutive windows, each equal to the truth with windowSeconds=60', async () => {
    const stored = async () =>
      (await runtime.db.query(
        `SELECT window_start, result FROM stats_hourly ORDER BY window_start LIMIT $1`,
        [WINDOWS],
      )) as { window_start: Date; result: { solvedCount: number } }[];
    let rows = await stored();
    while (rows.length < WINDOWS) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      rows = await stored();
    }
    const starts = rows.map((row) => row.window_start.getTime() / 1000);
    expect(starts).toEqual(Array.from({ length: WINDOWS }, (_, i) => first + i * W));
    for (const [i, row] of rows.entries())
      expect(row.result).toStrictEqual(sim.truth.hourlyStats(starts[i]! * 1000, W));
    // The windows were live: tickets were solved in them while the collector ran.
    expect(rows.reduce((n, row) => n + row.result.solvedCount, 0)).toBeGreaterThan(WINDOWS);
  });
});
