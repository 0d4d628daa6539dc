/**
 * Three projects: `unit` (specs beside the code, no I/O, mocks allowed), `integration`
 * (test/integration, against the real Kafka broker, schema registry, PostgreSQL and S3 server that
 * the local stack starts) and `drills` (test/drills: the same stack, with something broken while
 * events flow). `npm test` runs all three; the summary reporter prints the closing
 * "N passed, N failed" line CI reads.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }];
// hyparquet and hyparquet-writer ship ES modules only. The built app require()s them natively, but
// Jest's module loader does so only when Node exposes vm.SourceTextModule, which even Node 24 does
// only under --experimental-vm-modules; rather than that flag on every `jest` and `npx jest`,
// compile them to CommonJS here. Every other package in node_modules stays untransformed.
const transform = {
  // The console's package is "type": "module"; its few unit specs run as CommonJS like the rest.
  '/apps/console/src/.+\\.ts$': '<rootDir>/test/support/console-cjs.transform.cjs',
  '^.+\\.ts$': tsJest,
  '/node_modules/hyparquet(-writer)?/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }],
};
const transformIgnorePatterns = ['/node_modules/(?!hyparquet(-writer)?/)'];
const moduleNameMapper = {
  '^@tracking/(.*)$': '<rootDir>/libs/$1/src',
  // Only tests reach into apps and tools by alias; apps never import each other (lint enforces it).
  '^@apps/([^/]+)/(.*)$': '<rootDir>/apps/$1/src/$2',
  '^@tools/([^/]+)/(.*)$': '<rootDir>/tools/$1/src/$2',
  '^@sdks/([^/]+)/(.*)$': '<rootDir>/sdks/$1/src/$2',
  '^@test/(.*)$': '<rootDir>/test/$1',
};

// Jest runs a global setup once per run however many selected projects name it: one stack check,
// one fresh test database, shared by integration specs and drills.
const stackTier = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/prepare-kafkajs.setup.ts'],
  // Each test file's customers leave the shared customer topic when it ends.
  setupFilesAfterEnv: ['<rootDir>/test/support/test-customers.cleanup.ts'],
  slowTestThreshold: 30,
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/{apps,libs,tools,sdks}/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/test/integration/**/*.integration.spec.ts'],
      ...stackTier,
    },
    {
      displayName: 'drills',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/test/drills/**/*.drill.spec.ts'],
      ...stackTier,
    },
  ],
  testTimeout: 60_000,
};
