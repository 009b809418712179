// The library entry of secure-api (package main): build the app in-process, or reuse its
// authentication building blocks. `node dist/main.js` is the server entry.
export { createApp, urlOf, BODY_LIMIT_BYTES, type CreateAppOptions } from './app.factory.js';
export { AppModule, type AuthTuning } from './app.module.js';
export type { AppConfig, DpopMode, LogLevel } from './config/app-config.js';
export { validateEnv, type Env } from './config/env.validation.js';
export { SecureApiError, type ErrorCode } from './errors/secure-api.error.js';
export { AuthModule } from './auth/auth.module.js';
export type { AuthOptions } from './auth/auth-options.js';
export { JwtAuthGuard } from './auth/jwt-auth.guard.js';
export { JwtStrategy } from './auth/jwt.strategy.js';
export { ScopesGuard } from './auth/scopes.guard.js';
export { Public } from './auth/public.decorator.js';
export { RequireScopes } from './auth/require-scopes.decorator.js';
export {
  SigningKeyStore,
  DEFAULT_SIGNING_KEY_STORE_OPTIONS,
  type SigningKeyStoreOptions,
} from './auth/signing-key-store.js';
export {
  VerifiedTokenCache,
  DEFAULT_VERIFIED_TOKEN_CACHE_OPTIONS,
} from './auth/verified-token-cache.js';
export { DpopVerifier, DEFAULT_DPOP_OPTIONS, type DpopOptions } from './auth/dpop-verifier.js';
export { DPOP_ALGORITHMS } from './auth/dpop-proof-key.js';
export { buildOpenApiDocument } from './openapi/openapi.js';
