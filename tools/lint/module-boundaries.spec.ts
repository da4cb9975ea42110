import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');

/** The boundary rule's messages for `code` as if it were the file at `path` (repo-relative), via the ESLint CLI. */
function boundaryErrors(path: string, code: string): string[] {
  const run = spawnSync(
    join(BIN, 'eslint'),
    ['--stdin', '--stdin-filename', join(ROOT, path), '--format', 'json', '--no-warn-ignored'],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result!.messages
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('module boundaries (project.json tags, enforced by eslint)', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph; without one it skips every check silently.
    execFileSync(join(BIN, 'nx'), ['show', 'projects'], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  it.each([
    [
      'a pure core importing the database',
      'libs/stats/src/evolve.ts',
      `import { DataSource } from 'typeorm';\nexport const d = DataSource;`,
      true,
    ],
    [
      'a library importing an app',
      'libs/enrichment/src/x.ts',
      `import '../../../apps/enrichment/src/main';`,
      true,
    ],
    ['an app importing another app', 'apps/alerting/src/x.ts', `import '../../enrichment/src/main';`, true],
    [
      'a feature importing another scope',
      'libs/alerting/src/x.ts',
      `import { EnrichmentQueries } from '@ticketflow/enrichment';\nexport const q = EnrichmentQueries;`,
      true,
    ],
    [
      'infrastructure importing a feature',
      'libs/kafka/src/x.ts',
      `import { AlertHistory } from '@ticketflow/alerting';\nexport const h = AlertHistory;`,
      true,
    ],
    [
      'the pure domain importing Nest',
      'libs/contracts/src/x.ts',
      `import { Injectable } from '@nestjs/common';\nexport const i = Injectable;`,
      true,
    ],
    [
      'production code importing the test harness',
      'libs/enrichment/src/x.ts',
      `import { uniqueSuffix } from '@ticketflow/testing';\nexport const u = uniqueSuffix;`,
      true,
    ],
    [
      'production code importing the simulator',
      'libs/stats/src/x.ts',
      `import { World } from '@ticketflow/zendesk-simulator';\nexport const w = World;`,
      true,
    ],
    [
      'an app importing its library',
      'apps/enrichment/src/x.ts',
      `import { EnrichmentEnv } from '@ticketflow/enrichment';\nexport const e = EnrichmentEnv;`,
      false,
    ],
    [
      'a test importing the harness and the simulator',
      'libs/stats/src/x.int-spec.ts',
      `import { uniqueSuffix } from '@ticketflow/testing';\nimport { World } from '@ticketflow/zendesk-simulator';\nexport const t = [uniqueSuffix, World];`,
      false,
    ],
    [
      'the end-to-end project importing every feature',
      'apps/pipeline-e2e/src/x.e2e-spec.ts',
      `import { createGatewayApp } from '@ticketflow/gateway';\nimport { createEnrichmentApp } from '@ticketflow/enrichment';\nexport const a = [createGatewayApp, createEnrichmentApp];`,
      false,
    ],
  ] as const)('%s', (_case, path, code, refused) => {
    expect(boundaryErrors(path, code).length > 0).toBe(refused);
  });
});
