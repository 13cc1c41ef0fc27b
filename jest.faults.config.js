const base = require('./jest.config');

/**
 * The slow suites (`npm run test:faults`): database outage, crash consistency and load. They
 * run the built service (`npm run build` first) on real PostgreSQL, one file at a time.
 */
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.faults-spec\\.ts$',
  setupFiles: ['<rootDir>/test/helpers/faults-env.ts'],
  testTimeout: 180000,
};
