// A10: hourly statistics backfilled from a faulty Zendesk, each run killed once (kill -9) at a random point of its
// batch log and started again. Per seed: hours equal to the simulator's truth, incremental requests against the
// pages the log needed plus the failures Zendesk answered, and wall time against what the export budget allows.
//   npx tsx bench/stats-backfill.bench.ts [seeds=100] [hours=24] [errorRate=0.03] [perMinute=0] [pageSize=1000] [tickets=5000] [account=each]
// perMinute 0 leaves Zendesk's incremental limit out (exactness and request counts); 10 applies Zendesk's
// 10 requests a minute, shared through Postgres, and compares wall time with the bound it sets: per seed
// (account=each, each seed its own account) or over the whole run (account=one: every seed's simulator on one
// host and port, so one budget, as one Zendesk account backfilled seed after seed).
// Needs KAFKA_BROKERS and DATABASE_URL, or starts the test broker and uses the machine's Postgres.
import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { StatsBatchEvent } from '@ticketflow/contracts';
import { createKafka, readToEnd } from '@ticketflow/kafka';
import { canonicalJson } from '@ticketflow/stats';
import { REPO_ROOT, serviceArgs } from '@ticketflow/testing';
import { benchInfrastructure, report, runBench } from './harness';
import { measuredOn } from './pipeline';
import { buildServices } from './processes';
import { createTestSchema } from '@ticketflow/testing';
import { ADMIN_EMAIL, mulberry32, startSimulator } from '@ticketflow/zendesk-simulator';
import { statsEnv } from '@ticketflow/stats/testing';

const seeds = Number(process.argv[2] ?? 100);
const hours = Number(process.argv[3] ?? 24);
const errorRate = Number(process.argv[4] ?? 0.03);
const perMinute = Number(process.argv[5] ?? 0);
const pageSize = Number(process.argv[6] ?? 1000);
const tickets = Number(process.argv[7] ?? 5000);
const oneAccount = (process.argv[8] ?? 'each') === 'one';
/** account=one: every seed's simulator answers here, so the shared budget's key (the host) is one. */
const ACCOUNT_PORT = 4310;
const HOUR = 3600;

interface SeedResult {
  seed: number;
  exact: number;
  killedAt: number | null;
  pages: number;
  answered: number;
  failed: number;
  wallSeconds: number;
  boundSeconds: number;
}

/** Seconds before the n-th request may leave under `perMinute` a minute, with a full budget at the start. */
const budgetBound = (requests: number) =>
  perMinute > 0 ? Math.floor(Math.max(0, requests - 1) / perMinute) * 60 : 0;

async function runSeed(seed: number, kafkaBrokers: string): Promise<SeedResult> {
  const sim = await startSimulator({
    tickets,
    seed,
    port: oneAccount ? ACCOUNT_PORT : 0,
    faultSeed: seed,
    apiFaults: { errorRate },
    limits: { perMinute: 100_000, incrementalPerMinute: perMinute > 0 ? perMinute : 100_000 },
  });
  const schema = await createTestSchema(`bench_stats_${seed}`);
  const now = Math.floor(Date.now() / 1000);
  const lastClosedEnd = Math.floor((now - 361) / HOUR) * HOUR;
  const start = lastClosedEnd - hours * HOUR;
  const env: Record<string, string> = {
    ...statsEnv({ url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken }, schema.schema, {
      STATS_START_TIME: new Date(start * 1000).toISOString(),
      STATS_MODE: 'once',
      STATS_PAGE_SIZE: String(pageSize),
      ZENDESK_INCREMENTAL_PER_MINUTE: String(perMinute),
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'error',
    }),
    KAFKA_BROKERS: kafkaBrokers,
  };
  const kafka = createKafka({ brokers: [kafkaBrokers], clientId: `bench-stats-${seed}` });
  const admin = kafka.admin();
  await admin.connect();
  const logLength = async () =>
    (await admin.fetchTopicOffsets(env['STATS_BATCH_EVENTS_TOPIC']!).catch(() => [])).reduce(
      (n, p) => n + Number(p.high),
      0,
    );
  const run = () => {
    const child = spawn(process.execPath, serviceArgs('stats-collector'), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { child, exited: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
  };

  // A kill point uniform over the events an undisturbed run writes (about 3 per hour and the pages).
  const killAt = 1 + Math.floor(mulberry32(seed)() * (3 * hours));
  const began = Date.now();
  let killedAt: number | null = null;
  const first = run();
  while (first.child.exitCode === null) {
    const written = await logLength();
    if (written >= killAt) {
      first.child.kill('SIGKILL');
      killedAt = written;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await first.exited;
  const last = run();
  const code = await last.exited;
  const wallSeconds = (Date.now() - began) / 1000;
  if (code !== 0) throw new Error(`seed ${seed}: the collector exited with ${code}`);

  const db = new Client({ connectionString: process.env['DATABASE_URL'] });
  await db.connect();
  const rows: { window_start: Date; result: unknown }[] = (
    await db.query(`SELECT window_start, result FROM "${schema.schema}".stats_hourly ORDER BY window_start`)
  ).rows;
  await db.end();
  // Field by field, in canonical JSON (jsonb keeps no key order).
  const exact = rows.filter(
    (row, i) =>
      row.window_start.getTime() / 1000 === start + i * HOUR &&
      canonicalJson(row.result) === canonicalJson(sim.truth.hourlyStats((start + i * HOUR) * 1000)),
  ).length;
  const log = (await readToEnd(kafka, env['STATS_BATCH_EVENTS_TOPIC']!)).map(({ message }) =>
    StatsBatchEvent.parse(JSON.parse(message.value!.toString())),
  );
  const pages = log.filter((event) => event.type.endsWith('page-fetched')).length;
  let answered = 0;
  let failed = 0;
  for (const [path, outcomes] of Object.entries(sim.requests.summary()))
    if (path.includes('/incremental/'))
      for (const [outcome, count] of Object.entries(outcomes))
        if (outcome === '200') answered += count;
        else failed += count;

  await admin
    .deleteTopics({ topics: [env['STATS_BATCH_EVENTS_TOPIC']!, env['STATS_HOURLY_TOPIC']!] })
    .catch(() => undefined);
  await admin.disconnect();
  await schema.drop();
  await sim.close();
  return {
    seed,
    exact,
    killedAt,
    pages,
    answered,
    failed,
    wallSeconds,
    boundSeconds: budgetBound(answered + failed),
  };
}

async function main() {
  const infrastructure = await benchInfrastructure();
  const { brokers } = infrastructure;
  buildServices();
  process.stdout.write(
    `${seeds} seeds x ${hours} h, ${tickets} tickets, ${errorRate * 100} % answers 500/503, one kill -9 each, ` +
      `page size ${pageSize}, incremental budget ${perMinute > 0 ? `${perMinute}/min` : 'off'}` +
      `${oneAccount ? ', one account for all seeds' : ''}\n`,
  );
  const results: SeedResult[] = [];
  const started = Date.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const result = await runSeed(seed, brokers);
    results.push(result);
    const elapsed = (Date.now() - started) / 1000;
    const eta = (elapsed / seed) * (seeds - seed);
    process.stdout.write(
      `[${seed}/${seeds}] exact ${result.exact}/${hours}, killed at event ${result.killedAt ?? '-'}, ` +
        `${result.pages} pages, ${result.answered} + ${result.failed} failed requests, ${result.wallSeconds.toFixed(1)} s` +
        (perMinute > 0 && !oneAccount ? ` (bound ${result.boundSeconds} s)` : '') +
        `; ETA ${Math.round(eta)} s\n`,
    );
  }
  const sum = (pick: (r: SeedResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const exact = sum((r) => r.exact);
  const pages = sum((r) => r.pages);
  const answered = sum((r) => r.answered);
  const failed = sum((r) => r.failed);
  const kills = results.filter((r) => r.killedAt !== null).length;
  const overAllowance = results.filter((r) => r.answered + r.failed > 1.05 * r.pages + r.failed).length;
  const wall = sum((r) => r.wallSeconds);
  // One account: one budget over the whole run; else each seed's own.
  const bound = oneAccount ? budgetBound(answered + failed) : sum((r) => r.boundSeconds);
  process.stdout.write(
    `\nhours exact: ${exact} of ${seeds * hours}\n` +
      `runs killed: ${kills} of ${seeds}\n` +
      `incremental requests: ${answered} answered (pages in the logs: ${pages}; repeated after a kill: ${answered - pages}) + ${failed} failed\n` +
      `requests / (pages + failures): ${((answered + failed) / (pages + failed)).toFixed(3)}; ` +
      `seeds over 1.05 x pages + failures: ${overAllowance}\n` +
      `wall: ${wall.toFixed(0)} s of collector runs (${((Date.now() - started) / 1000).toFixed(0)} s with each seed's set-up and checks)` +
      (perMinute > 0 ? `; budget bound ${bound} s; ratio ${(wall / Math.max(1, bound)).toFixed(3)}\n` : '\n'),
  );
  const n = (v: number) => v.toLocaleString('en');
  const args = `${seeds} ${hours} ${errorRate} ${perMinute} ${pageSize} ${tickets} ${oneAccount ? 'one' : 'each'}`;
  report(
    'stats-backfill',
    [
      `Measured ${measuredOn()}: ${n(exact)} of ` +
        `${n(seeds * hours)} hours equal the simulator's truth; runs killed once: ${kills} of ${seeds}.`,
      '',
      '| run | seeds | hours exact | killed | pages | requests answered | failed | wall | budget bound | wall / bound |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| \`${args}\` (${perMinute > 0 ? `${perMinute}/min` : 'limit off'}, pages of ${n(pageSize)}) | ${seeds} | ` +
        `${n(exact)}/${n(seeds * hours)} | ${kills} | ${n(pages)} | ${n(answered)} | ${n(failed)} | ${n(Math.round(wall))} s | ` +
        (perMinute > 0 ? `${n(bound)} s | ${(wall / Math.max(1, bound)).toFixed(3)} |` : '— | — |'),
    ].join('\n'),
  );
  await infrastructure.stop();
  return exact === seeds * hours;
}

runBench(main);
