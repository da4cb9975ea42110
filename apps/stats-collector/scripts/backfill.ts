// Collects every closed window from --from to now and exits, with progress: windows stored, pages, Zendesk
// requests, how far both exports are proven, and an ETA from the incremental-export budget.
//   npx tsx apps/stats-collector/scripts/backfill.ts --from 2026-11-01T00:00:00Z
// Env: as the service (DATABASE_URL, KAFKA_BROKERS, ZENDESK_*, STATS_*); resumes from the batch log like it.
import { loadConfig } from '@ticketflow/config';
import { StatsCollectorEnv, StatsCollectorRuntime, isoOf } from '@ticketflow/stats';
import { createMetricsRegistry } from '@ticketflow/observability';

async function main() {
  const args = process.argv.slice(2);
  const from = args[args.indexOf('--from') + 1];
  if (!args.includes('--from') || !from) throw new Error('usage: backfill.ts --from <ISO 8601 time>');
  const config = loadConfig(StatsCollectorEnv, {
    ...process.env,
    STATS_START_TIME: from,
    STATS_MODE: 'once',
  });
  const runtime = new StatsCollectorRuntime(config, createMetricsRegistry('stats-backfill'));
  const started = Date.now();
  let pages = 0;
  let stored = 0;
  const draw = () => {
    const state = runtime.collector?.current;
    const pending = runtime.pendingWindows().length;
    const covered = Math.min(
      state?.audits.coverageUntil ?? config.STATS_START_TIME,
      state?.tickets.horizon ?? Infinity,
    );
    const total = Date.now() / 1000 - config.STATS_START_TIME;
    const done = Math.max(0, covered - config.STATS_START_TIME) / total;
    const elapsed = (Date.now() - started) / 1000;
    // Pages still needed, at the density so far; the export budget allows `perMinute` of them a minute.
    const left = done > 0 && done < 1 ? Math.ceil((pages / done) * (1 - done)) : 0;
    const perMinute = config.ZENDESK_INCREMENTAL_PER_MINUTE;
    const budget = perMinute > 0 ? (left / perMinute) * 60 : 0;
    const pace = done > 0 && done < 1 ? (elapsed / done) * (1 - done) : 0;
    process.stderr.write(
      `\r[${'#'.repeat(Math.round(done * 30)).padEnd(30, '.')}] ${(done * 100).toFixed(0)} % · proven to ${isoOf(Math.floor(covered))} · ${pages} pages, ~${left} left · ${stored} windows stored, ${pending} pending · ETA ${Math.round(Math.max(budget, pace))} s${perMinute > 0 ? ` (${perMinute} pages/min)` : ''}   `,
    );
  };
  runtime.onEvent = (event) => {
    if (event.type.endsWith('page-fetched')) pages++;
    if (event.type === 'stats.hour.completed') stored++;
  };
  const timer = setInterval(draw, 1_000);
  await runtime.start();
  await runtime.finished;
  clearInterval(timer);
  draw();
  process.stderr.write(
    `\nbackfill done in ${Math.round((Date.now() - started) / 1000)} s: ${stored} windows stored\n`,
  );
  await runtime.stop();
}

main().catch((error) => {
  process.stderr.write(`\nbackfill failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
