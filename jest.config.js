/**
 * Two tiers: `unit` (pure logic, next to the code) and `integration` (test/, against real Redis and a
 * Kafka-protocol broker started by test/infra). `npm test` runs both.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@vigil/(cli|detector|enforcer|notifier)$': '<rootDir>/apps/$1/src',
    '^@vigil/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
  testEnvironment: 'node',
};

module.exports = {
  // Per-project testTimeout is ignored by Jest 30 when projects are used: the integration tier's generous
  // timeout lives here, and unit tests are fast enough not to care.
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/libs/**/src/**/*.spec.ts',
        '<rootDir>/apps/**/src/**/*.spec.ts',
        '<rootDir>/scripts/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/infra/global-setup.ts',
      globalTeardown: '<rootDir>/test/infra/global-teardown.ts',
    },
  ],
};
