/** Browser tests: Debian's Chromium driven by playwright-core, axe-core on every page. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 60000,
};
