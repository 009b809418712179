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
}

/** Injection token of the AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
