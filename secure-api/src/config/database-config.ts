// DATABASE_URL and its pool settings: PostgreSQL for several replicas instead of the embedded
// SQLite file. Every failure names the variable, never its value (the URL holds a password).
import { SecureApiError } from '../errors/secure-api.error.js';

export interface DatabasePoolConfig {
  /** Most connections one replica opens (PostgreSQL). */
  max: number;
  /** How long a request waits for a connection before answering 503 database_unavailable. */
  connectTimeoutMs: number;
  /**
   * Longest a statement may run (PostgreSQL statement_timeout; SQLite's busy timeout). Kept
   * below the functions' deadline so a slow database turns into a 503 they can act on.
   */
  statementTimeoutMs: number;
}

export const DATABASE_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_POOL_MAX',
  'DATABASE_CONNECT_TIMEOUT_MS',
  'DATABASE_STATEMENT_TIMEOUT_MS',
] as const;

/** Bounds of each pool variable: [min, max, default]. */
const POOL_BOUNDS = {
  DATABASE_POOL_MAX: [1, 100, 10],
  DATABASE_CONNECT_TIMEOUT_MS: [100, 30_000, 2_000],
  // 5 s leaves a function with the default 8 s deadline time to receive the 503.
  DATABASE_STATEMENT_TIMEOUT_MS: [100, 5_000, 2_000],
} as const;

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

type Env = Readonly<Record<string, string | undefined>>;

function configError(variable: string, problem: string): SecureApiError {
  return new SecureApiError('config_invalid', `${variable} ${problem}`, { status: 500 });
}

function bounded(env: Env, name: keyof typeof POOL_BOUNDS): number {
  const [min, max, fallback] = POOL_BOUNDS[name];
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw configError(name, `must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

/** A postgres:// URL with a host and a database name, and a known sslmode if any. */
function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL?.trim();
  if (raw === undefined || raw === '') return undefined;
  const hint = 'must be a URL like postgres://user:password@host:5432/database?sslmode=require';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configError('DATABASE_URL', hint);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw configError('DATABASE_URL', `${hint} (scheme postgres: or postgresql:)`);
  }
  if (url.hostname === '') throw configError('DATABASE_URL', `${hint} (no host)`);
  if (url.pathname.replace(/^\//, '') === '') {
    throw configError('DATABASE_URL', `${hint} (no database name)`);
  }
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw configError('DATABASE_URL', `sslmode must be one of ${SSL_MODES.join(', ')}`);
  }
  return raw;
}

export function databaseConfig(env: Env): {
  databaseUrl: string | undefined;
  databasePool: DatabasePoolConfig;
} {
  return {
    databaseUrl: databaseUrl(env),
    databasePool: {
      max: bounded(env, 'DATABASE_POOL_MAX'),
      connectTimeoutMs: bounded(env, 'DATABASE_CONNECT_TIMEOUT_MS'),
      statementTimeoutMs: bounded(env, 'DATABASE_STATEMENT_TIMEOUT_MS'),
    },
  };
}

export const DEFAULT_DATABASE_POOL: DatabasePoolConfig = databaseConfig({}).databasePool;
