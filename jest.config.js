// One run over every project: a single summary, and infrastructure (Kafka, Postgres) started once.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const preset = require('./jest.preset');

const projects = ['apps', 'libs', 'tools'].flatMap((dir) =>
  existsSync(join(__dirname, dir))
    ? readdirSync(join(__dirname, dir))
        .map((name) => join(__dirname, dir, name, 'jest.config.js'))
        .filter((file) => existsSync(file))
    : [],
);

module.exports = {
  // Root transform so the TypeScript global setup below is compiled like the tests.
  transform: preset.transform,
  projects,
  // Integration tests share one broker and one database server on a 2-core machine (a global option in Jest 30).
  testTimeout: 60_000,
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
};
