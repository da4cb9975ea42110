// What every benchmark shares: its own Kafka and Postgres unless KAFKA_BROKERS / DATABASE_URL point elsewhere,
// percentiles, and a process that ends with the benchmark's verdict.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, startPostgres } from '@ticketflow/testing';

/** Sets KAFKA_BROKERS and DATABASE_URL (starting what is missing); `stop` ends what it started. */
export async function benchInfrastructure(): Promise<{
  brokers: string;
  databaseUrl: string;
  stop: () => Promise<void>;
}> {
  const kafka = process.env['KAFKA_BROKERS'] ? null : await startKafka();
  process.env['KAFKA_BROKERS'] ??= kafka!.url;
  process.env['DATABASE_URL'] ??= (await startPostgres()).url;
  return {
    brokers: process.env['KAFKA_BROKERS'],
    databaseUrl: process.env['DATABASE_URL'],
    stop: async () => kafka?.stop(),
  };
}

/** The p-th percentile of ascending samples (nearest rank). */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Runs a benchmark: exit code 0 when it returns true (or nothing), 1 when it returns false or throws. */
export function runBench(main: () => Promise<boolean | void>): void {
  main().then(
    (passed) => process.exit(passed === false ? 1 : 0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * A benchmark's result table for docs/benchmarks.md: printed, and written to $BENCH_REPORT_DIR/<name>.md when set
 * (scripts/bench.sh splices each into the section between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`).
 */
export function report(name: string, markdown: string): void {
  console.log(`\n${markdown}`);
  const dir = process.env['BENCH_REPORT_DIR'];
  if (dir) writeFileSync(join(dir, `${name}.md`), `${markdown.trim()}\n`);
}
