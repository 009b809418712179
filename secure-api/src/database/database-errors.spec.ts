// Which thrown errors become 503 database_unavailable: only the driver or the connection
// failing. Coding errors and constraint violations stay as they are (500 internal_error).
import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { SecureApiError } from '../errors/secure-api.error.js';
import { replayed } from './customer-statements.js';
import { asDatabaseError, guarded } from './database-errors.js';

function codeOf(error: unknown): string | undefined {
  return error instanceof SecureApiError ? error.code : undefined;
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const quiet = new Logger('Database', { timestamp: false });
quiet.warn = () => undefined;

describe('asDatabaseError', () => {
  it('DB24: a plain Error (a bug, a lost interaction row) is rethrown as it is, not database_unavailable', async () => {
    const plain = new Error('idempotency key without its interaction');
    expect(asDatabaseError(plain)).toBe(plain);
    const typeError = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(asDatabaseError(typeError)).toBe(typeError);
    expect(asDatabaseError('a string')).toBe('a string');
    await expect(guarded(quiet, () => replayed(undefined))).rejects.toThrow(
      'idempotency key without its interaction',
    );
    await expect(guarded(quiet, () => replayed(undefined))).rejects.not.toBeInstanceOf(
      SecureApiError,
    );
  });

  it('leaves constraint violations and syntax errors from either driver untranslated', () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    let unique: unknown;
    try {
      db.prepare('INSERT INTO t VALUES (?)').run('a');
    } catch (error) {
      unique = error;
    }
    db.close();
    expect((unique as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(asDatabaseError(unique)).toBe(unique);
    for (const code of ['23505', '23503', '42601', '42P01', '22P02']) {
      const pgError = withCode('from the server', code);
      expect(asDatabaseError(pgError)).toBe(pgError);
    }
  });

  it('turns connection and driver failures into 503 database_unavailable with Retry-After', async () => {
    const failures: unknown[] = [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('connect ETIMEDOUT', 'ETIMEDOUT'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('the database system is starting up', '57P03'),
      withCode('too many connections', '53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new Error('Cannot use a pool after calling end on the pool'),
      new BetterSqlite3.SqliteError('database is locked', 'SQLITE_BUSY'),
      new BetterSqlite3.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE'),
      new BetterSqlite3.SqliteError('unable to open database file', 'SQLITE_CANTOPEN'),
    ];
    for (const failure of failures) {
      const translated = asDatabaseError(failure);
      expect(codeOf(translated)).toBe('database_unavailable');
      expect((translated as SecureApiError).status).toBe(503);
      expect((translated as SecureApiError).headers['retry-after']).toBe('2');
    }
    const closed = new BetterSqlite3(':memory:');
    closed.close();
    await expect(guarded(quiet, () => closed.prepare('SELECT 1').get())).rejects.toMatchObject({
      code: 'database_unavailable',
      status: 503,
    });
  });

  it('passes its own SecureApiErrors through unchanged', () => {
    const own = new SecureApiError('customer_not_found', 'no such customer', { status: 404 });
    expect(asDatabaseError(own)).toBe(own);
  });
});
