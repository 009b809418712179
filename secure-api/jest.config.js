// ESM jest setup: ts-jest for our sources; @swc/jest only for the ESM-only packages that
// CommonJS dependencies require() (jwks-rsa → jose; @fastify/static, used by the Swagger UI,
// → content-disposition 3): jest's loader cannot require() ESM before Node 24.9.
const ESM_ONLY = ['jose', '@fastify/static/node_modules/content-disposition'];

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // Every node_modules segment on the way to those files must be let through.
  transformIgnorePatterns: ['/node_modules/(?!(jose|@fastify/static|content-disposition)/)'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/preload-esm.ts'],
  testTimeout: 20000,
};
