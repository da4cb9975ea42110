import { join } from 'node:path';
import { runSuite } from './orchestrator';

// Well under CI's budget: about two minutes on a 2-core machine when the services behave.
jest.setTimeout(300_000);

const repoRoot = join(__dirname, '../..');

describe('fault suite (small seeded variant)', () => {
  it('20 users, 6 rounds, 2 kills, 2 rebalances, a broker and a Postgres crash: the auditor finds nothing wrong', async () => {
    const lines: string[] = [];
    const result = await runSuite({
      seed: 7,
      users: 20,
      rounds: 6,
      kills: 2,
      brokers: 1,
      rebalances: 2,
      brokerKills: 1,
      postgresRestarts: 1,
      noEmailRequesters: 2,
      webhookFaultShare: 0.5,
      roundTimeoutMs: 45_000,
      maxTimeouts: 2,
      build: true,
      keep: false,
      repoRoot,
      servicesRoot: repoRoot,
      workDir: join(repoRoot, '.local/fault-suite-e2e'),
      log: (line) => lines.push(line),
    }).finally(() => console.log(lines.join('\n')));
    const failed = result.checks.filter((c) => !c.passed);
    console.log(
      `${result.passed} passed, ${result.failed} failed; ${Object.entries(result.figures)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    expect(failed).toEqual([]);
    expect(result.figures['kills']).toBe(2);
    expect(result.figures['brokerKills']).toBe(1);
    expect(result.figures['postgresRestarts']).toBe(1);
  });
});
