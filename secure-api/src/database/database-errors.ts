// Driver failures become one answer: 503 `database_unavailable` with Retry-After, the
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

/** Our own errors pass through; anything a driver throws is the database failing. */
export function asDatabaseError(error: unknown): SecureApiError {
  if (error instanceof SecureApiError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return databaseUnavailable(typeof code === 'string' ? `${code}: ${message}` : message);
}

/** Runs a database call, translating its failures (logged once here, as a warning). */
export async function guarded<T>(logger: Logger, call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const translated = asDatabaseError(error);
    if (translated.code === 'database_unavailable') {
      logger.warn({ msg: 'database call failed', reason: translated.reason });
    }
    throw translated;
  }
}
