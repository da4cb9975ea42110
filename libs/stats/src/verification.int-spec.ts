import { StatsHourly } from '@ticketflow/contracts';
import { collectMessages, createTestSchema, testKafka, type TestSchema } from '@ticketflow/testing';
import { ADMIN_EMAIL, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import { createStatsCollectorApp } from './stats-collector.service';
import type { StatsCollectorRuntime } from './stats-collector.runtime';
import { statsConfig } from './testing';

jest.setTimeout(300_000);

const HOUR = 3600;
const VERIFY_AFTER = 600;

/**
 * A6: Zendesk shows each change 120 s late. A collector settling 300 s stores every hour exact and its
 * verification re-read finds nothing to revise; the negative control, settling 0 s, stores the last hour without
 * a solve made 30 s before its end, and its re-read revises exactly that hour (logged, published, counted).
 * Simulator and collectors share one clock the test moves.
 */
describe('settle and the verification pass (A6)', () => {
  let sim: Simulator;
  let now = 0; // unix ms, the clock of the simulator and of both collectors
  const clock = () => now;
  let H: number;
  let closed: number[];
  const schemas: TestSchema[] = [];
  const collectors: Record<'settled' | 'unsettled', ReturnType<typeof statsConfig> | null> = {
    settled: null,
    unsettled: null,
  };

  /** One `once` run of a collector at the current clock: what it stored, and its metrics. */
  const runOnce = async (which: 'settled' | 'unsettled') => {
    const { app, runtime } = await createStatsCollectorApp(collectors[which]!, { clock });
    await app.listen(0, '127.0.0.1');
    await runtime.finished;
    const metrics = await (await fetch(`${await app.getUrl()}/metrics`)).text();
    const rows = await stored(runtime);
    const revisions = (await runtime.db.query(
      `SELECT window_start, revision, previous_revision, diff FROM stats_hourly_revision ORDER BY window_start`,
    )) as {
      window_start: Date;
      revision: number;
      previous_revision: number;
      diff: { addedSolves: unknown[] };
    }[];
    await app.close();
    return { rows, metrics, revisions };
  };
  const stored = async (runtime: StatsCollectorRuntime) =>
    (
      (await runtime.db.query(
        `SELECT window_start, revision, result FROM stats_hourly ORDER BY window_start`,
      )) as { window_start: Date; revision: number; result: unknown }[]
    ).map((row) => ({
      windowStart: row.window_start.getTime() / 1000,
      revision: row.revision,
      result: row.result,
    }));
  const revisedTotal = (metrics: string) =>
    Number(/^stats_hours_revised_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? NaN);

  beforeAll(async () => {
    H = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
    now = (H + HOUR - 30) * 1000; // 30 s before the last window's end
    sim = await startSimulator({
      tickets: 300,
      seed: 21,
      clock,
      apiFaults: { visibilityLagMs: 120_000 },
      limits: { perMinute: 100_000, incrementalPerMinute: 100_000 },
    });
    const open = [...sim.world.ids()].find((id) =>
      ['new', 'open', 'pending'].includes(sim.world.state(id)?.status ?? ''),
    )!;
    sim.world.updateTicket(open, { status: 'solved' });
    closed = [H - 2 * HOUR, H - HOUR, H];
    for (const [which, settle] of [
      ['settled', 300],
      ['unsettled', 0],
    ] as const) {
      const schema = await createTestSchema(`stats_a6_${which}`);
      schemas.push(schema);
      collectors[which] = statsConfig(
        { url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken },
        schema.schema,
        {
          STATS_START_TIME: new Date((H - 2 * HOUR) * 1000).toISOString(),
          STATS_MODE: 'once',
          STATS_SETTLE_SECONDS: String(settle),
          STATS_VERIFY_AFTER_SECONDS: String(VERIFY_AFTER),
        },
      );
    }
  });

  afterAll(async () => {
    await sim?.close();
    for (const schema of schemas) await schema.drop();
  });

  const truth = (start: number) => sim.truth.hourlyStats(start * 1000);

  it('settling 0 s stores the last hour without the solve Zendesk showed late (the negative control)', async () => {
    now = (H + HOUR + 62) * 1000; // the export proves the window's end; the solve shows at H + 3690
    const { rows } = await runOnce('unsettled');
    expect(rows.map((r) => r.windowStart)).toEqual(closed);
    expect(rows[0]!.result).toStrictEqual(truth(closed[0]!));
    expect(rows[1]!.result).toStrictEqual(truth(closed[1]!));
    expect(rows[2]!.result).not.toStrictEqual(truth(H));
  });

  it('settling 300 s stores every hour equal to the truth', async () => {
    now = (H + HOUR + 61 + 300) * 1000;
    const { rows } = await runOnce('settled');
    expect(rows.map((r) => r.windowStart)).toEqual(closed);
    for (const row of rows) expect(row.result).toStrictEqual(truth(row.windowStart));
  });

  it('a verification pass later: 0 revisions for the settled collector, exactly 1 for the other, now exact', async () => {
    now = (H + HOUR + 61 + 300 + VERIFY_AFTER) * 1000;
    const settled = await runOnce('settled');
    expect(settled.revisions).toEqual([]);
    expect(revisedTotal(settled.metrics)).toBe(0);
    expect(settled.rows.every((row) => row.revision === 1)).toBe(true);

    const unsettled = await runOnce('unsettled');
    expect(unsettled.revisions).toHaveLength(1);
    expect(unsettled.revisions[0]).toMatchObject({ revision: 2, previous_revision: 1 });
    expect(unsettled.revisions[0]!.window_start.getTime() / 1000).toBe(H);
    expect(unsettled.revisions[0]!.diff.addedSolves).toHaveLength(1);
    expect(revisedTotal(unsettled.metrics)).toBe(1);
    expect(unsettled.rows.map((r) => r.revision)).toEqual([1, 1, 2]);
    for (const row of unsettled.rows) expect(row.result).toStrictEqual(truth(row.windowStart));

    // Published: the revision is the window's latest record on the compacted topic.
    const records = await collectMessages(
      testKafka('a6'),
      collectors.unsettled!.STATS_HOURLY_TOPIC,
      (m) => m.length >= 4,
      30_000,
    );
    const last = records
      .map((m) => StatsHourly.parse(JSON.parse(m.value)))
      .filter((v) => v.result.windowStart === new Date(H * 1000).toISOString());
    expect(last.map((v) => v.revision)).toEqual([1, 2]);
    expect(last[1]!.result).toStrictEqual(truth(H));
  });
});
