import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { StatsBatchEvent } from '@ticketflow/contracts';
import { readToEnd } from '@ticketflow/kafka';
import { REPO_ROOT, createTestSchema, serviceArgs, testKafka, type TestSchema } from '@ticketflow/testing';
import { ADMIN_EMAIL, mulberry32, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import { Client } from 'pg';
import { statsEnv } from '@ticketflow/stats/testing';

jest.setTimeout(300_000);

const HOUR = 3600;
/** Kills in the CI variant; the fault command runs more. */
const KILLS = Number(process.env['STATS_KILLS'] ?? 3);

/**
 * A4: the collector as its own process, `kill -9` after the k-th event of its batch log at seeded points, started
 * again each time: the stored hours equal the truth, one completion per hour in the log, and each kill costs at
 * most one page fetched again.
 */
describe('stats-collector killed at random points (A4)', () => {
  let sim: Simulator;
  let schema: TestSchema;
  let admin: Admin;
  let child: ChildProcess | null = null;
  let env: Record<string, string>;
  let closed: number[];

  const run = () => {
    const started = spawn(process.execPath, serviceArgs('stats-collector'), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    child = started;
    return { process: started, exited };
  };
  const logLength = async () =>
    (await admin.fetchTopicOffsets(env['STATS_BATCH_EVENTS_TOPIC']!)).reduce((n, p) => n + Number(p.high), 0);

  beforeAll(async () => {
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', join(REPO_ROOT, 'tsconfig.build.json')]);
    sim = await startSimulator({
      tickets: 2_000,
      seed: 42,
      apiFaults: { errorRate: 0.02 },
      limits: { perMinute: 100_000, incrementalPerMinute: 100_000 },
    });
    schema = await createTestSchema('stats_a4');
    const now = Math.floor(Date.now() / 1000);
    const lastClosedEnd = Math.floor((now - 361) / HOUR) * HOUR;
    const start = lastClosedEnd - 24 * HOUR;
    closed = Array.from({ length: 24 }, (_, i) => start + i * HOUR);
    env = statsEnv({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, schema.schema, {
      STATS_START_TIME: new Date(start * 1000).toISOString(),
      STATS_MODE: 'once',
      STATS_PAGE_SIZE: '40', // many pages: many points to be killed at
      OTEL_SDK_DISABLED: 'true',
    });
    admin = testKafka('a4').admin();
    await admin.connect();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await admin?.disconnect();
    await sim?.close();
    await schema?.drop();
  });

  it(`survives ${KILLS} kill -9: every hour equal to the truth, one completion each, at most one page again per kill`, async () => {
    const random = mulberry32(4);
    // An undisturbed run writes about 80 events here (opened, roles, completed per hour, and the pages): kill
    // points spread over them, each process killed once it has written that many.
    const points = Array.from({ length: KILLS }, () => 1 + Math.floor(random() * 78)).sort((a, b) => a - b);
    let kills = 0;
    for (const point of points) {
      const { process: collector, exited } = run();
      while (collector.exitCode === null) {
        if ((await logLength()) >= point) {
          collector.kill('SIGKILL');
          kills++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await exited;
    }
    const last = run();
    expect(await last.exited).toBe(0);

    const db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    const rows: { window_start: Date; result: unknown }[] = await db
      .query(`SELECT window_start, result FROM "${schema.schema}".stats_hourly ORDER BY window_start`)
      .then((r) => r.rows);
    await db.end();
    expect(rows.map((r) => r.window_start.getTime() / 1000)).toEqual(closed);
    for (const [i, row] of rows.entries())
      expect(row.result).toStrictEqual(sim.truth.hourlyStats(closed[i]! * 1000));

    const log = (await readToEnd(testKafka('a4-log'), env['STATS_BATCH_EVENTS_TOPIC']!)).map(({ message }) =>
      StatsBatchEvent.parse(JSON.parse(message.value!.toString())),
    );
    const completions = log.filter((e) => e.type === 'stats.hour.completed').map((e) => e.eventId);
    expect(completions).toHaveLength(24);
    expect(new Set(completions).size).toBe(24);
    const pages = log.filter((e) => e.type.endsWith('page-fetched')).length;
    const answered = Object.entries(sim.requests.summary())
      .filter(([path]) => path.includes('/incremental/'))
      .reduce((n, [, outcomes]) => n + (outcomes['200'] ?? 0), 0);
    expect(answered - pages).toBeLessThanOrEqual(kills);
    console.log(
      `A4: ${kills} kills at log events ${points.join(', ')}; ${log.length} events, ${pages} pages, ${answered} pages answered`,
    );
    expect(kills).toBeGreaterThan(0);
  });
});
