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
    ['a pure core importing the database', 'libs/stats/src/evolve.ts', ['typeorm'], true],
    ['a library importing an app', 'libs/enrichment/src/x.ts', ['../../../apps/enrichment/src/main'], true],
    ['an app importing another app', 'apps/alerting/src/x.ts', ['../../enrichment/src/main'], true],
    ['a feature importing another scope', 'libs/alerting/src/x.ts', ['@ticketflow/enrichment'], true],
    ['infrastructure importing a feature', 'libs/kafka/src/x.ts', ['@ticketflow/alerting'], true],
    ['the pure domain importing Nest', 'libs/contracts/src/x.ts', ['@nestjs/common'], true],
    ['production code importing the test harness', 'libs/enrichment/src/x.ts', ['@ticketflow/testing'], true],
    [
      'production code importing the simulator',
      'libs/stats/src/x.ts',
      ['@ticketflow/zendesk-simulator'],
      true,
    ],
    ['an app importing its library', 'apps/enrichment/src/x.ts', ['@ticketflow/enrichment'], false],
    [
      'a test importing the harness and the simulator',
      'libs/stats/src/x.int-spec.ts',
      ['@ticketflow/testing', '@ticketflow/zendesk-simulator'],
      false,
    ],
    [
      'the end-to-end project importing every feature',
      'apps/pipeline-e2e/src/x.e2e-spec.ts',
      ['@ticketflow/gateway', '@ticketflow/enrichment'],
      false,
    ],
  ] as const)('%s', (_case, path, modules, refused) => {
    const code = modules
      .map((m, i) => `import * as m${i} from '${m}';\nexport const x${i} = m${i};`)
      .join('\n');
    expect(boundaryErrors(path, code).length > 0).toBe(refused);
  });
});
