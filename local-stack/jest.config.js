// jose and oauth4webapi are ESM-only; jest's CommonJS loader needs them transformed (see the
// root README, Development).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/(jose|oauth4webapi)/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|oauth4webapi)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 20000,
};
