// The fault suite: seeded runs of the whole pipeline under faults, each audited by tools/auditor.
//   bash scripts/fault-suite.sh [--runs 1] [--seed 1] [--users 120] [--rounds 15] [--kills 10] [--brokers 1|3] …
// Prints progress per round, each run's checks, and closes with `N passed, N failed` over all runs.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSuite, type SuiteOptions, type SuiteResult } from './orchestrator';
import { ProcessRegistry } from './processes';

const USAGE = `usage: fault-suite [options]
  --runs N              seeded runs, seeds seed, seed+1, … (1)
  --seed N              first seed (1)
  --users N             company users, each with a Zendesk requester of their own (120)
  --rounds N            workload rounds (15)
  --kills N             kill -9 of a random service process, then a restart (10)
  --brokers 1|3         one KRaft node, or three (replication 3, min.insync.replicas 2; the leader is killed) (1)
  --rebalances N        a third enrichment/alerting member joining and leaving (2)
  --broker-kills N      broker kill -9 and restart (1)
  --postgres-restarts N Postgres crash and restart (1)
  --no-email N          requesters without email getting tickets (3)
  --webhook-faults S    share of rounds with duplicated, reordered and dropped webhooks (0.5)
  --round-timeout S     seconds a round may take to converge (90)
  --max-timeouts N      rounds that may time out before the workload stops (3)
  --no-build            run the services' dist/ as it is
  --services-root DIR   build and run the services from DIR (default: this repository)
  --keep                keep the clusters' data after the run`;

const { values: a } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: '120' },
    rounds: { type: 'string', default: '15' },
    kills: { type: 'string', default: '10' },
    brokers: { type: 'string', default: '1' },
    rebalances: { type: 'string', default: '2' },
    'broker-kills': { type: 'string', default: '1' },
    'postgres-restarts': { type: 'string', default: '1' },
    'no-email': { type: 'string', default: '3' },
    'webhook-faults': { type: 'string', default: '0.5' },
    'round-timeout': { type: 'string', default: '90' },
    'max-timeouts': { type: 'string', default: '3' },
    'no-build': { type: 'boolean', default: false },
    'services-root': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const int = (name: string, value: string | undefined, min = 0) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const repoRoot = join(__dirname, '../..');
const workDir = join(repoRoot, '.local/fault-suite');

function options(seed: number): SuiteOptions {
  const brokers = int('brokers', a.brokers, 1);
  if (brokers !== 1 && brokers !== 3) throw new Error('--brokers must be 1 or 3');
  return {
    seed,
    users: int('users', a.users, 1),
    rounds: int('rounds', a.rounds, 1),
    kills: int('kills', a.kills),
    brokers,
    rebalances: int('rebalances', a.rebalances),
    brokerKills: int('broker-kills', a['broker-kills']),
    postgresRestarts: int('postgres-restarts', a['postgres-restarts']),
    noEmailRequesters: int('no-email', a['no-email']),
    webhookFaultShare: Number(a['webhook-faults']),
    roundTimeoutMs: int('round-timeout', a['round-timeout'], 1) * 1000,
    maxTimeouts: int('max-timeouts', a['max-timeouts'], 1),
    build: !a['no-build'],
    keep: a.keep!,
    repoRoot,
    servicesRoot: a['services-root'] ?? repoRoot,
    workDir,
    log: out,
  };
}

function summary(result: SuiteResult) {
  out(`run seed ${result.seed}: ${result.passed} passed, ${result.failed} failed`);
  for (const check of result.checks)
    out(`  ${check.passed ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`);
  out(
    `  figures: ${Object.entries(result.figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
}

async function main(): Promise<number> {
  if (a.help) {
    out(USAGE);
    return 0;
  }
  const runs = int('runs', a.runs, 1);
  const first = int('seed', a.seed);
  const results: SuiteResult[] = [];
  for (let i = 0; i < runs; i++) {
    const seed = first + i;
    out(`=== fault suite run ${i + 1}/${runs}, seed ${seed}`);
    const result = await runSuite(options(seed));
    summary(result);
    results.push(result);
  }
  if (runs > 1) {
    out('=== failed checks over all runs');
    const failures = new Map<string, number[]>();
    for (const r of results)
      for (const c of r.checks)
        if (!c.passed) failures.set(c.name, [...(failures.get(c.name) ?? []), r.seed]);
    for (const [name, seeds] of failures)
      out(`  ${name}: ${seeds.length}/${runs} runs (seeds ${seeds.join(', ')})`);
    if (failures.size === 0) out('  none');
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  out(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// Ctrl-C or a CI timeout: end every process group the run started before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    out(`\n${signal}: stopping every process the suite started`);
    ProcessRegistry.killOrphans(join(workDir, 'pids'), workDir);
    process.exit(130);
  });

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`fault suite: ${error.stack ?? error.message}\n${USAGE}\n`);
    process.exit(2);
  },
);
