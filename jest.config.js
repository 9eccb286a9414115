// Two projects: fast pure unit specs beside the code, and integration/e2e specs under test/
// that run against a real database (DATABASE_URL's server, or embedded PGlite when unset).
// NestJS 12, pg-boss 12 and some of their dependencies ship ESM only; Jest's module loader
// requires CommonJS, so those files are transformed (.swcrc keeps the import attributes of
// pg-boss's JSON imports, which Jest loads as ES modules).
const swcrc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const common = {
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', swcrc] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit|content-disposition|cookie|pg-boss|rrule-temporal|serialize-error|non-error)/)'],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
// TEST_SCOPE=database keeps only what depends on which database runs underneath (orders, callbacks,
// jobs, reconciliation, notifications, withdrawals, retention, the database layer itself): CI runs
// everything against Postgres, then this scope against the embedded database. Unset: everything.
const DATABASE_SCOPE = ['database', 'orders', 'webhooks', 'reconciliation', 'jobs', 'notifications', 'withdrawals', 'retention'];
const scope = process.env.TEST_SCOPE ?? '';
if (scope && scope !== 'database') throw new Error(`TEST_SCOPE: "${scope}" is not a scope (database, or unset for every test)`);
const e2eMatch = scope === 'database' ? DATABASE_SCOPE.map((d) => `<rootDir>/test/${d}/**/*.e2e-spec.ts`) : ['<rootDir>/test/**/*.e2e-spec.ts'];
module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    ...(scope === 'database' ? [] : [{ ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] }]),
    {
      ...common,
      displayName: 'e2e',
      testMatch: e2eMatch,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
