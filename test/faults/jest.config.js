// `npm run test:faults`: the fault suite (test/faults/*.faults-spec.ts) on the real Postgres
// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a fresh database per
// test). The service and the sandbox gateway run as child processes of the compiled build, so
// they can be SIGKILLed. Not part of `npm test` (its specs are not *.e2e-spec.ts).
const { resolve } = require('node:path');
const root = resolve(__dirname, '../..');
const { projects } = require(`${root}/jest.config.js`);
const e2e = projects.find((p) => p.displayName === 'e2e');

module.exports = {
  rootDir: root,
  displayName: 'faults',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  transform: e2e.transform,
  transformIgnorePatterns: e2e.transformIgnorePatterns,
  testEnvironment: 'node',
  moduleFileExtensions: e2e.moduleFileExtensions,
  testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
  setupFiles: ['<rootDir>/test/faults/setup-env.ts'],
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
};
