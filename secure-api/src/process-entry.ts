// What the two process entry points (main.ts, the server; migrate.ts, `npm run migrate`)
// share: reading secure-api/.env and the one fatal line they print before exiting 1.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from './config/app-config.js';
import { type Env, validateEnv } from './config/env.validation.js';
import { SecureApiError } from './errors/secure-api.error.js';

const ENV_FILE = fileURLToPath(new URL('../.env', import.meta.url));

/**
 * Loads secure-api/.env if present. process.loadEnvFile never overrides variables already
 * set: the environment wins. SECURE_API_SKIP_ENV_FILE=true (set by the local-stack launcher)
 * skips the file, so that the launcher's configuration is the whole configuration.
 */
export function loadEnv(): void {
  if (process.env.SECURE_API_SKIP_ENV_FILE !== 'true' && existsSync(ENV_FILE)) {
    process.loadEnvFile(ENV_FILE);
  }
}

/** Writes one JSON line {level:'fatal', code?, msg} to stderr and exits 1. */
export function fail(message: string, code?: string): never {
  const line = { level: 'fatal', time: Date.now(), ...(code ? { code } : {}), msg: message };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
}

/** Validates the environment, or fails with `invalid configuration: …` and code config_invalid. */
export function configOrFail(env: Env): AppConfig {
  try {
    return validateEnv(env);
  } catch (error) {
    fail(
      `invalid configuration: ${error instanceof SecureApiError ? error.message : 'unreadable environment'}`,
      'config_invalid',
    );
  }
}
