/** Unit and HTTP tests: real app, real PostgreSQL (embedded unless DATABASE_URL is set). */
// ESM-only dependencies (file-type and what it imports) are compiled to CommonJS like our
// own code, because Jest's module loader cannot require ES modules the way Node 20 can.
const esmPackages = ['file-type', 'strtok3', 'token-types', 'peek-readable', '@tokenizer', 'uint8array-extras', '@borewit', 'openid-client', 'oauth4webapi', 'jose'];

module.exports = {
  testEnvironment: 'node',
  // file-type offers Node only an `import` entry, which Jest's resolver does not take.
  moduleNameMapper: { '^file-type$': '<rootDir>/node_modules/file-type/index.js' },
  transform: { '^.+\\.(ts|js)$': ['@swc/jest'] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/http/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30000,
};
