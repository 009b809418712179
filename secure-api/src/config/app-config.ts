// The validated, typed configuration of one secure-api instance. Built once at boot from the
// environment (env.validation.ts) or handed in directly (createApp in tests and benches);
// nothing else in the code reads process.env.

import type { DatabasePoolConfig } from './database-config.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface AppConfig {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Expected `iss`, exactly, with one trailing slash (Auth0's form). */
  issuer: string;
  /** Expected `aud` (the API identifier). */
  audience: string;
  jwksUri: string;
  /** SQLite file path, or ':memory:'. */
  databasePath: string;
  logLevel: LogLevel;
  /** Allowed CORS origins; empty = CORS off. */
  corsOrigins: string[];
  enableApiDocs: boolean;

  // PostgreSQL (DATABASE_URL), for several replicas sharing one database.
  /** postgres:// URL; when set it wins over databasePath. Holds a password: never logged. */
  databaseUrl?: string;
  /** Pool size and timeouts (defaults when absent). */
  databasePool?: DatabasePoolConfig;
  // --- DPoP (RFC 9449) sender-constrained tokens. Optional so that callers building an
  // AppConfig by hand (tests, benches) get the defaults of validateEnv.
  /** AUTH0_DPOP_MODE: which schemes are accepted (default 'allowed': Bearer and DPoP). */
  dpopMode?: DpopMode;
  /** API_PUBLIC_URL: the origin clients call (behind a TLS-terminating proxy); proofs' htu use it. */
  apiPublicUrl?: string;
  /** DPOP_NONCE_SECRET: turns server nonces on (HMAC of a time slot, shared by all replicas). */
  dpopNonceSecret?: string;
}

/** `allowed`: Bearer for unbound tokens and DPoP; `required`: DPoP only; `disabled`: Bearer only. */
export type DpopMode = 'allowed' | 'required' | 'disabled';

/** Injection token of the AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
