// Validates the environment once, at boot, into an AppConfig. Every failure names the
// variable and what is wrong with it, never its value (an operator may paste a secret into
// the wrong variable).
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecureApiError } from '../errors/secure-api.error.js';
import type { AppConfig, LogLevel } from './app-config.js';
import { DATABASE_VARIABLES, databaseConfig } from './database-config.js';
import { dpopConfig } from './dpop-config.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every variable read here (documented one by one in secure-api/.env.example). */
export const ENV_VARIABLES = [
  'AUTH0_ISSUER_URL',
  'AUTH0_AUDIENCE',
  'AUTH0_JWKS_URI',
  'PORT',
  'HOST',
  'DATABASE_PATH',
  'LOG_LEVEL',
  'CORS_ORIGINS',
  'ENABLE_API_DOCS',
  ...DATABASE_VARIABLES,
  // DPoP (dpop-config below)
  'AUTH0_DPOP_MODE',
  'API_PUBLIC_URL',
  'DPOP_NONCE_SECRET',
  // Read by main.ts before validation: whether secure-api/.env is read at all.
  'SECURE_API_SKIP_ENV_FILE',
] as const;

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** Where the database lives unless DATABASE_PATH says otherwise: secure-api/data/. */
export const DEFAULT_DATABASE_PATH = fileURLToPath(
  new URL('../../data/secure-api.db', import.meta.url),
);

export function configError(variable: string, problem: string): SecureApiError {
  return new SecureApiError('config_invalid', `${variable} ${problem}`, { status: 500 });
}

export function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function required(env: Env, name: string, hint: string): string {
  const value = optional(env, name);
  if (value === undefined) throw configError(name, `is required (${hint})`);
  return value;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** An https URL, or http on a loopback host (the local stand-ins and the tests). */
export function secureUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configError(name, 'must be an absolute URL, e.g. https://tenant.us.auth0.com/');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw configError(name, 'must use https (plain http is accepted only for loopback hosts)');
  }
  if (url.username || url.password) throw configError(name, 'must not contain credentials');
  if (url.search || url.hash) throw configError(name, 'must not contain a query or fragment');
  return url;
}

function port(env: Env): number {
  const raw = optional(env, 'PORT');
  if (raw === undefined) return 7000;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw configError('PORT', 'must be an integer from 0 to 65535');
  }
  return Number(raw);
}

function bool(env: Env, name: string): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw configError(name, 'must be true or false');
}

function corsOrigins(env: Env): string[] {
  const raw = optional(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw configError(
        'CORS_ORIGINS',
        'must be a comma-separated list of origins like https://app.example.com',
      );
    }
    if (parsed.origin !== origin) {
      throw configError(
        'CORS_ORIGINS',
        'entries must be bare origins (scheme://host[:port], no path or trailing slash)',
      );
    }
    return origin;
  });
}

export function validateEnv(env: Env): AppConfig {
  const issuerUrl = secureUrl(
    'AUTH0_ISSUER_URL',
    required(env, 'AUTH0_ISSUER_URL', 'the Auth0 tenant URL, e.g. https://tenant.us.auth0.com/'),
  );
  const issuer = `${issuerUrl.href.replace(/\/+$/, '')}/`;
  const audience = required(
    env,
    'AUTH0_AUDIENCE',
    'the API identifier, e.g. https://secure-api.local',
  );
  const jwksRaw = optional(env, 'AUTH0_JWKS_URI');
  const jwksUri =
    jwksRaw === undefined
      ? `${issuer}.well-known/jwks.json`
      : secureUrl('AUTH0_JWKS_URI', jwksRaw).href;

  const databaseRaw = optional(env, 'DATABASE_PATH');
  const databasePath =
    databaseRaw === undefined
      ? DEFAULT_DATABASE_PATH
      : databaseRaw === ':memory:' || isAbsolute(databaseRaw)
        ? databaseRaw
        : resolve(databaseRaw);

  const logLevel = (optional(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw configError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const host = optional(env, 'HOST') ?? '0.0.0.0';
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    throw configError('HOST', 'must be a hostname or IP address');

  return {
    port: port(env),
    host,
    issuer,
    audience,
    jwksUri,
    databasePath,
    logLevel: logLevel as LogLevel,
    corsOrigins: corsOrigins(env),
    enableApiDocs: bool(env, 'ENABLE_API_DOCS'),
    ...databaseConfig(env),
    ...dpopConfig(env),
  };
}
