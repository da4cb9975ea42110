import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries (project.json tags): what each kind of project may import. Apps are never imported; libraries
// never import apps; the pure domain (contracts) never imports Nest or I/O; features stay in their scope.
const types = {
  'type:app': ['type:feature', 'type:infra', 'type:domain', 'type:simulator'],
  'type:e2e': ['type:feature', 'type:infra', 'type:domain', 'type:testing', 'type:simulator'],
  'type:tool': ['type:tool', 'type:feature', 'type:infra', 'type:domain', 'type:testing', 'type:simulator'],
  'type:feature': ['type:feature', 'type:infra', 'type:domain'],
  'type:simulator': ['type:simulator', 'type:infra', 'type:domain'],
  'type:testing': ['type:testing', 'type:infra', 'type:domain'],
  'type:infra': ['type:infra', 'type:domain'],
  'type:domain': ['type:domain'],
};
const scopes = {
  'scope:enrichment': ['scope:enrichment', 'scope:zendesk', 'scope:shared'],
  'scope:alerting': ['scope:alerting', 'scope:shared'],
  'scope:stats': ['scope:stats', 'scope:zendesk', 'scope:shared'],
  'scope:gateway': ['scope:gateway', 'scope:zendesk', 'scope:shared'],
  'scope:simulator': ['scope:simulator', 'scope:zendesk', 'scope:shared'],
  'scope:zendesk': ['scope:zendesk', 'scope:shared'],
  'scope:shared': ['scope:shared'],
  'scope:pipeline': ['*'],
};
const PURE_BANNED = ['@nestjs/*', 'nestjs-pino', 'typeorm', 'pg', 'kafkajs', 'rxjs'];

/** Tests and their helpers may also use the test harness and the Zendesk simulator. */
function boundaries(forTests) {
  const extra = forTests ? { types: ['type:testing', 'type:simulator'], scopes: ['scope:simulator'] } : null;
  const constraint = (sourceTag, allowed, more) => ({
    sourceTag,
    onlyDependOnLibsWithTags: [...new Set([...allowed, ...(more ?? [])])],
  });
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        ...Object.entries(types).map(([tag, allowed]) => ({
          ...constraint(tag, allowed, extra?.types),
          ...(tag === 'type:domain' ? { bannedExternalImports: PURE_BANNED } : {}),
        })),
        ...Object.entries(scopes).map(([tag, allowed]) => constraint(tag, allowed, extra?.scopes)),
      ],
    },
  ];
}

// Pure decide/evolve cores (house style: pure first, I/O around it): no framework, database or broker.
const PURE_CORES = [
  'libs/stats/src/{evolve,decide,compute,completion,canonical,hours,ids,solves,state,streams,tickets,time,verify,events}.ts',
  'libs/alerting/src/threshold.ts',
  'libs/enrichment/src/projection.ts',
  'libs/zendesk/src/webhook-intake.ts',
];
const IO_MODULES = [...PURE_BANNED, '@ticketflow/kafka', '@ticketflow/persistence', '@ticketflow/service'];

const TESTS = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/testing.ts', '**/test/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', '.nx/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { plugins: { '@nx': nx } },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'tools/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(false) },
  },
  { files: TESTS, rules: { '@nx/enforce-module-boundaries': boundaries(true) } },
  {
    files: PURE_CORES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_MODULES,
              message: 'a pure core takes facts and returns decisions; I/O lives around it',
            },
          ],
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Keep personal data out of logs: console.* bypasses the redacting logger.
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: [
      '**/scripts/**/*.ts',
      'bench/**/*.ts',
      'libs/testing/**/*.ts',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
