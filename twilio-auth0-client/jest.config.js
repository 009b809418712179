// Tests live in test/, outside src/: everything under dist/functions is deployed.
// jose (used by the local-stack stand-ins the tests start) is ESM-only and needs a transform.
// test/support/runtime-globals.ts gives every test file the globals the Functions runtime
// provides (Runtime, Twilio), so the handlers load their shared modules as deployed.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/jose/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFiles: ['<rootDir>/test/support/runtime-globals.ts'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};
