// Driver and connection failures become one answer: 503 `database_unavailable` with Retry-After, the
// driver's code in the debug reason only (never a query's parameters, never the URL).
import type { Logger } from '@nestjs/common';
import { SecureApiError } from '../errors/secure-api.error.js';

/** What clients are told to wait before retrying. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

export function databaseUnavailable(reason: string): SecureApiError {
  return new SecureApiError('database_unavailable', 'The database is unavailable; retry later', {
    status: 503,
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
    reason,
  });
}

/** Node socket and DNS codes: the database host cannot be reached or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * PostgreSQL SQLSTATE classes and codes that mean the server cannot serve now: 08 connection
 * exception, 53 insufficient resources, 57 operator intervention (57014 statement timeout,
 * 57P01 admin shutdown, 57P03 cannot connect now…), 58 system error; 40001/40P01 are
 * transient serialization failures and deadlocks.
 */
const POSTGRES_CLASSES = ['08', '53', '57', '58'];
const POSTGRES_CODES = new Set(['40001', '40P01']);

/** better-sqlite3 result codes (extended codes share the prefix) for a busy or broken file. */
const SQLITE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_PROTOCOL',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
];

/** pg and pg-pool's own connection failures carry no code, only these messages. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^timeout expired$/,
  /^Query read timeout$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^Client was closed and is not queryable$/,
  /^Client has encountered a connection error and is not queryable$/,
  // better-sqlite3, once the handle is closed (a TypeError).
  /^The database connection is not open$/,
];

/** True only for the driver or the connection failing, never for a coding error or a constraint. */
export function isDatabaseFailure(error: unknown): boolean {
  // Duck-typed: a native addon's errors may come from another realm than our Error.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof message !== 'string') return false;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (code.startsWith('SQLITE_')) {
      return name === 'SqliteError' && SQLITE_CODES.some((c) => code.startsWith(c));
    }
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return POSTGRES_CODES.has(code) || POSTGRES_CLASSES.includes(code.slice(0, 2));
    }
    return false;
  }
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Our own errors pass through; a driver or connection failure becomes 503
 * database_unavailable; anything else (a bug, a constraint violation) is rethrown unchanged,
 * for the filter to answer 500 internal_error.
 */
export function asDatabaseError(error: unknown): unknown {
  if (error instanceof SecureApiError || !isDatabaseFailure(error)) return error;
  const { code, message } = error as Error & { code?: unknown };
  return databaseUnavailable(typeof code === 'string' ? `${code}: ${message}` : message);
}

/** Runs a database call, translating its failures (logged once here, as a warning). */
export async function guarded<T>(logger: Logger, call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const translated = asDatabaseError(error);
    if (translated instanceof SecureApiError && translated.code === 'database_unavailable') {
      logger.warn({ msg: 'database call failed', reason: translated.reason });
    }
    throw translated;
  }
}
