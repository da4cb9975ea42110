import type { INestApplication } from '@nestjs/common';
import { Topics } from '@ticketflow/contracts';
import { Reconciler, enrichmentMigrations } from '@ticketflow/enrichment';
import { EventProducer, ensureTopics } from '@ticketflow/kafka';
import { ConsumerOffsetEntity, openDatabase, persistenceMigrations } from '@ticketflow/persistence';
import { createTestSchema, eventually, testKafka, uniqueSuffix, type TestSchema } from '@ticketflow/testing';
import { ZendeskBudget1795650000000, openZendeskClient } from '@ticketflow/zendesk';
import { ADMIN_EMAIL, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import type { DataSource } from 'typeorm';
import { createStatsCollectorApp, type StatsCollectorRuntime } from '@ticketflow/stats';
import { statsConfig } from '@ticketflow/stats/testing';

jest.setTimeout(300_000);

const HOUR = 3600;

/** `zendesk_requests_total` of the collector's own client, summed per status over the incremental endpoints. */
function incrementalAnswers(metrics: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [, endpoint, status, value] of metrics.matchAll(
    /^zendesk_requests_total\{endpoint="([^"]*)",status="([^"]*)"[^}]*\} (\d+)$/gm,
  ))
    if (endpoint!.includes('/incremental/')) sums[status!] = (sums[status!] ?? 0) + Number(value);
  return sums;
}

/**
 * A5: Zendesk allows 10 incremental-export requests a minute per account. The collector and enrichment's reconciler
 * run against it at once, each with the budget shared through Postgres: the collector never fails on a 429 and
 * meets 429s on at most 5 % of its requests (unshared, each would run into the other's minute).
 */
describe('the incremental-export budget shared by the collector and the reconciler (A5)', () => {
  let sim: Simulator;
  let statsSchema: TestSchema;
  let enrichmentSchema: TestSchema;
  let app: INestApplication;
  let runtime: StatsCollectorRuntime;
  let enrichmentDb: DataSource;
  let producer: EventProducer;
  let closeBudget: () => Promise<void>;
  const passes: { ok: number; failed: string[] } = { ok: 0, failed: [] };
  let closed: number[];
  let metrics = '';
  let took = 0;

  beforeAll(async () => {
    sim = await startSimulator({
      tickets: 400,
      seed: 5,
      limits: { perMinute: 100_000, incrementalPerMinute: 10 },
    });
    const zendesk = { url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken };
    statsSchema = await createTestSchema('stats_a5');
    enrichmentSchema = await createTestSchema('enrichment_a5');
    const now = Math.floor(Date.now() / 1000);
    const lastClosedEnd = Math.floor((now - 361) / HOUR) * HOUR;
    const start = lastClosedEnd - 3 * HOUR;
    closed = Array.from({ length: 3 }, (_, i) => start + i * HOUR);

    // The reconciler as enrichment runs it, on its own schema and topic, passing back to back.
    enrichmentDb = await openDatabase({
      url: process.env['DATABASE_URL']!,
      schema: enrichmentSchema.schema,
      entities: [ConsumerOffsetEntity],
      migrations: [...persistenceMigrations, ZendeskBudget1795650000000, ...enrichmentMigrations],
    });
    const kafka = testKafka('a5');
    const topic = { ...Topics.ticketEvents, name: `ticket.events.v1.test-${uniqueSuffix()}` };
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic], 1);
    await admin.disconnect();
    producer = new EventProducer(kafka);
    await producer.connect();
    // The client and budget exactly as enrichment opens them.
    const zendeskClient = openZendeskClient({
      DATABASE_URL: process.env['DATABASE_URL']!,
      ZENDESK_BASE_URL: sim.url,
      ZENDESK_EMAIL: ADMIN_EMAIL,
      ZENDESK_API_TOKEN: sim.apiToken,
      ZENDESK_REQUESTS_PER_MINUTE: 100_000,
      ZENDESK_INCREMENTAL_PER_MINUTE: 10,
    });
    closeBudget = zendeskClient.close;
    const reconciler = new Reconciler(enrichmentDb, zendeskClient.client, producer, {
      initialStartTime: start,
      settleLagSeconds: 300,
      topic,
    });
    let collecting = true;
    const reconciling = (async () => {
      while (collecting)
        await reconciler.runPass().then(
          () => passes.ok++,
          (error: Error) => collecting && passes.failed.push(error.message),
        );
    })();

    // The collector starts once the reconciler has spent the minute's budget, so that the two contend whatever
    // their speeds (a race otherwise: a collector early in the minute finished unopposed within it).
    await eventually(() => (incrementalRequests() >= 10 ? true : undefined), 60_000);
    const config = statsConfig(zendesk, statsSchema.schema, {
      STATS_START_TIME: new Date(start * 1000).toISOString(),
      STATS_MODE: 'once',
      STATS_PAGE_SIZE: '20', // a few pages each: both walks need the minute's budget
      ZENDESK_INCREMENTAL_PER_MINUTE: '10',
    });
    const began = Date.now();
    ({ app, runtime } = await createStatsCollectorApp(config));
    await app.listen(0, '127.0.0.1');
    await runtime.finished;
    took = (Date.now() - began) / 1000;
    metrics = await (await fetch(`${await app.getUrl()}/metrics`)).text();
    collecting = false;
    // A pass still waiting for the minute's budget ends at once: its store closes under it.
    await closeBudget();
    await reconciling;
  });

  /** Incremental-export requests the simulator received, from anyone. */
  const incrementalRequests = () =>
    Object.entries(sim.requests.summary())
      .filter(([path]) => path.includes('/incremental/'))
      .reduce((n, [, outcomes]) => n + Object.values(outcomes).reduce((a, b) => a + b, 0), 0);

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await enrichmentDb?.destroy();
    await sim?.close();
    await statsSchema?.drop();
    await enrichmentSchema?.drop();
  });

  it('stores every closed hour equal to the truth, without one failed run', async () => {
    const rows = (await runtime.db.query(
      `SELECT window_start, result FROM stats_hourly ORDER BY window_start`,
    )) as { window_start: Date; result: unknown }[];
    expect(rows.map((r) => r.window_start.getTime() / 1000)).toEqual(closed);
    for (const [i, row] of rows.entries())
      expect(row.result).toStrictEqual(sim.truth.hourlyStats(closed[i]! * 1000));
    expect(metrics).toMatch(/^stats_run_failures_total\{[^}]*\} 0$/m);
  });

  it('met 429 on at most 5 % of its incremental requests while the reconciler used the same minute', async () => {
    const answers = incrementalAnswers(metrics);
    const sent = Object.values(answers).reduce((a, b) => a + b, 0);
    const limited = answers['429'] ?? 0;
    const total = incrementalRequests();
    console.log(
      `A5: collector ${sent} incremental requests (${limited} answered 429); ` +
        `reconciler ${passes.ok} passes; ${total} incremental requests in all; collected in ${took} s`,
    );
    // The budget was contended: more requests than one minute allows, a good part of them the reconciler's.
    expect(total).toBeGreaterThan(10);
    expect(total - sent).toBeGreaterThanOrEqual(4);
    expect(passes.failed).toEqual([]);
    expect(limited).toBeLessThanOrEqual(0.05 * sent);
  });
});
