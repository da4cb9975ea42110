import type { INestApplication } from '@nestjs/common';
import { StatsHourly } from '@ticketflow/contracts';
import { collectMessages, createTestSchema, testKafka, type TestSchema } from '@ticketflow/testing';
import { ADMIN_EMAIL, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import { createStatsCollectorApp } from './stats-collector.service';
import type { StatsCollectorRuntime } from './stats-collector.runtime';
import { TEST_API_KEY, statsConfig } from './testing';

jest.setTimeout(300_000);

const HOUR = 3600;

/**
 * A3: a 5,000-ticket account (seed 42, 30 days of history), the last 48 closed hours collected under 3 % answers
 * 500/503 and 0.5 % requests never answered: every stored hour equals the simulator's truth field by field.
 */
describe('stats-collector backfill against a faulty Zendesk (A3)', () => {
  let sim: Simulator;
  let schema: TestSchema;
  let app: INestApplication;
  let runtime: StatsCollectorRuntime;
  let url: string;
  let start: number;
  let closed: number[];
  let config: ReturnType<typeof statsConfig>;
  // Both runs see one moment: on the wall clock another hour may close between them (a run at hh:06:01 did).
  let clock: () => number;

  beforeAll(async () => {
    sim = await startSimulator({
      tickets: 5_000,
      seed: 42,
      apiFaults: {
        errorRate: 0.03,
        timeoutRate: 0.005,
        hangMs: 1_000,
        // Besides the random ones, each fault a client must survive, at least once.
        script: [
          { path: '/api/v2/incremental/ticket_events', nth: 1, fault: '500' },
          { path: '/api/v2/incremental/ticket_events', nth: 2, fault: 'truncate' },
          { path: '/api/v2/incremental/ticket_events', nth: 3, fault: '429' },
          { path: '/api/v2/incremental/tickets/cursor', nth: 1, fault: 'timeout' },
          { path: '/api/v2/incremental/tickets/cursor', nth: 2, fault: '504' },
          { path: '/api/v2/users/show_many', nth: 1, fault: '503' },
        ],
      },
      limits: { perMinute: 100_000, incrementalPerMinute: 100_000 },
    });
    schema = await createTestSchema('stats_a3');
    const frozen = Date.now();
    clock = () => frozen;
    const now = Math.floor(frozen / 1000);
    // 48 closed hours: the last one ended at least 61 s + settle (300 s) ago.
    const lastClosedEnd = Math.floor((now - 361) / HOUR) * HOUR;
    start = lastClosedEnd - 48 * HOUR;
    closed = Array.from({ length: 48 }, (_, i) => start + i * HOUR);
    config = statsConfig({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, schema.schema, {
      STATS_START_TIME: new Date(start * 1000).toISOString(),
      STATS_MODE: 'once',
      ZENDESK_TIMEOUT_MS: '2000',
    });
    ({ app, runtime } = await createStatsCollectorApp(config, { clock }));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    await runtime.finished;
  });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await schema?.drop();
  });

  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { 'x-api-key': TEST_API_KEY } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('stores each of the 48 closed hours, equal to the truth field by field, and nothing else', async () => {
    const { body } = await get(
      `/stats/hourly?from=${new Date((start - HOUR) * 1000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    const windows = body['windows'] as { windowStart: string; result: unknown }[];
    expect(windows.map((w) => w.windowStart)).toEqual(closed.map((s) => new Date(s * 1000).toISOString()));
    // Field by field (Postgres jsonb does not keep key order): integers and ids ===, averages and medians Object.is.
    for (const [i, window] of windows.entries())
      expect(window.result).toStrictEqual(sim.truth.hourlyStats(closed[i]! * 1000));
    const solved = windows.reduce((n, w) => n + (w.result as { solvedCount: number }).solvedCount, 0);
    expect(solved).toBeGreaterThan(48 * 3); // about 6 solves an hour in this account
  });

  it('answers 404 pending (with why) for an hour not closed yet, and never stores it', async () => {
    const open = Math.floor(clock() / 1000 / HOUR) * HOUR;
    const { status, body } = await get(`/stats/hourly/${new Date(open * 1000).toISOString()}`);
    expect(status).toBe(404);
    expect(body).toMatchObject({
      status: 'pending',
      reasons: expect.arrayContaining([expect.objectContaining({ code: 'window-open' })]),
    });
  });

  it('costs at most 5 % more incremental requests than the pages it needed, plus the injected failures', async () => {
    const counts = sim.requests.summary();
    const incremental = Object.entries(counts).filter(([path]) => path.includes('/incremental/'));
    const answered = incremental.reduce((n, [, outcomes]) => n + (outcomes['200'] ?? 0), 0);
    const failed = incremental.reduce(
      (n, [, outcomes]) =>
        n + Object.entries(outcomes).reduce((m, [outcome, c]) => m + (outcome === '200' ? 0 : c), 0),
      0,
    );
    const pages = runtime.collector.current.audits.lastSeq + runtime.collector.current.tickets.lastSeq;
    expect(answered).toBe(pages);
    expect(answered + failed).toBeLessThanOrEqual(1.05 * pages + failed);
    console.log(`A3: ${pages} pages, ${answered} answered + ${failed} failed incremental requests`);
  });

  it('publishes each stored hour once on stats.hourly.v1', async () => {
    const messages = await collectMessages(
      testKafka('a3-hourly'),
      config.STATS_HOURLY_TOPIC,
      (m) => m.length >= 48,
      60_000,
    );
    const values = messages.map((m) => StatsHourly.parse(JSON.parse(m.value)));
    expect(new Set(values.map((v) => v.eventId)).size).toBe(48);
    expect(values).toHaveLength(48);
  });

  it('run again over the same range (A8): no new row, the same hashes, no second record per window', async () => {
    const rows = async () =>
      (await runtime.db.query(
        `SELECT window_start, result_sha256, completed_at FROM stats_hourly ORDER BY window_start`,
      )) as unknown[];
    const before = await rows();
    const second = await createStatsCollectorApp(config, { clock });
    await second.runtime.finished;
    await second.app.close();
    expect(await rows()).toEqual(before);
    const hourly = await collectMessages(
      testKafka('a8'),
      config.STATS_HOURLY_TOPIC,
      (m) => m.length >= 48,
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a second record would be published by now
    expect(hourly).toHaveLength(48);
  });

  it('replays its log to the same state: a second run stores nothing new', async () => {
    const before = runtime.collector.current;
    const events = await runtime.collector.replay();
    expect(events).toBeGreaterThan(48 * 3);
    expect(runtime.collector.current).toEqual(before);
  });
});
