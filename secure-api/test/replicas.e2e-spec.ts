// Two secure-api processes (the compiled server, as deployed) on one PostgreSQL, each with
// its own local DATABASE_PATH as separate hosts would have: they behave as one service.
// Also the outage: PostgreSQL stopped under them, then started again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  ensureBuilt,
  PACKAGE_DIR,
  type RunningServer,
  serverEnv,
  startServer,
  waitForListening,
} from './support/built-server.js';
import type { JwksServer } from './support/jwks-server.js';
import { startKeySet } from './support/key-set.js';
import { startPostgres, type PostgresServer } from './support/postgres-server.js';
import type { TestSigningKey } from './support/signing-keys.js';
import { AUDIENCE, mint } from './support/tokens.js';

const PASSWORD = 'pw-that-must-never-be-logged';

let jwks: JwksServer;
let key: TestSigningKey;
let postgres: PostgresServer;
/** Stopping the server needs a cluster the harness owns: with TEST_DATABASE_URL such a test is
 * reported as skipped rather than passing without a check. */
const itWithOwnedCluster = process.env.TEST_DATABASE_URL ? it.skip : it;
let databaseUrl: string;
let dir: string;
let servers: RunningServer[];
let urls: string[];
let token: string;

function post(
  base: string,
  customer: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<Response> {
  return fetch(`${base}/customers/${customer}/interactions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function query<T extends pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function logLines(server: RunningServer): Array<Record<string, unknown>> {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A server's environment: the test's key set, a free loopback port, and `vars`. */
function apiEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return serverEnv({
    AUTH0_ISSUER_URL: jwks.issuer,
    AUTH0_AUDIENCE: AUDIENCE,
    AUTH0_JWKS_URI: jwks.uri,
    PORT: '0',
    HOST: '127.0.0.1',
    ...vars,
  });
}

beforeAll(async () => {
  ensureBuilt();
  ({ key, jwks } = await startKeySet());
  postgres = await startPostgres();
  const url = new URL(await postgres.createDatabase());
  url.password = PASSWORD; // trust authentication ignores it; the log must not show it
  databaseUrl = url.href;
  dir = mkdtempSync(join(tmpdir(), 'secure-api-replicas-'));
  // Both at the same moment: their migrations race for the advisory lock.
  servers = ['a', 'b'].map((name) =>
    startServer(
      apiEnv({
        LOG_LEVEL: 'info',
        DATABASE_PATH: join(dir, `${name}.db`),
        DATABASE_URL: databaseUrl,
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
      }),
    ),
  );
  urls = await Promise.all(servers.map((server) => waitForListening(server)));
  token = await mint({ issuer: jwks.issuer, key });
}, 120_000);

afterAll(async () => {
  for (const server of servers ?? []) server.child.kill('SIGTERM');
  await Promise.all((servers ?? []).map((server) => server.exited));
  await postgres?.close();
  await jwks?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('two replicas on one PostgreSQL', () => {
  it('DB9: an interaction written through one replica is read through the other; DATABASE_URL wins over DATABASE_PATH', async () => {
    const [a, b] = urls as [string, string];
    const created = await post(a, 'cus_001', { channel: 'voice', summary: 'written via A' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const list = await fetch(`${b}/customers/cus_001/interactions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: Array<{ id: string }> };
    expect(items.map((item) => item.id)).toContain(id);
    expect(existsSync(join(dir, 'a.db'))).toBe(false);
    expect(existsSync(join(dir, 'b.db'))).toBe(false);
  });

  it('DB10: started at the same moment, they apply each migration once and seed once', async () => {
    const versions = await query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.map((row) => row.version)).toEqual([1, 2]);
    const applied = servers.flatMap((server) =>
      logLines(server).filter((line) => line.msg === 'migration applied'),
    );
    expect(applied.map((line) => line.version).sort()).toEqual([1, 2]);
    const customers = await query<{ count: string }>('SELECT COUNT(*) AS count FROM customers');
    expect(customers[0]?.count).toBe('4');
  });

  it('DB13: the start-up log names the database kind and host, never the password', () => {
    const port = new URL(databaseUrl).port;
    for (const server of servers) {
      const ready = logLines(server).find((line) => line.msg === 'database ready');
      expect(ready).toMatchObject({ kind: 'postgres', host: `127.0.0.1:${port}` });
      expect(server.stdout() + server.stderr()).not.toContain(PASSWORD);
    }
  });

  it('DB11: 40 concurrent identical POSTs spread over both replicas store one row, one id in all answers', async () => {
    const body = { channel: 'voice', summary: 'forty retries of one call' };
    const callSid = 'CA40404040404040404040404040404040';
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) => post(urls[n % 2] ?? '', 'cus_003', body, callSid)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(40).fill(201));
    const ids = await Promise.all(
      answers.map(async (a) => ((await a.json()) as { id: string }).id),
    );
    expect(new Set(ids).size).toBe(1);
    const replayed = answers.map((answer) => answer.headers.get('idempotent-replayed'));
    expect(replayed.filter((value) => value === 'false')).toHaveLength(1);
    expect(replayed.filter((value) => value === 'true')).toHaveLength(39);
    const rows = await query('SELECT id FROM interactions WHERE summary = $1', [body.summary]);
    expect(rows).toEqual([{ id: ids[0] }]);
  });

  it('DB12: the same key with another body on the other replica is 422 idempotency_key_reused', async () => {
    const [a, b] = urls as [string, string];
    const first = await post(a, 'cus_002', { channel: 'sms', summary: 'one' }, 'key-db12');
    expect(first.status).toBe(201);
    const other = await post(b, 'cus_002', { channel: 'sms', summary: 'two' }, 'key-db12');
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: string }).error).toBe('idempotency_key_reused');
    const rows = await query(
      'SELECT id FROM interactions WHERE customer_id = $1 AND summary IN ($2, $3)',
      ['cus_002', 'one', 'two'],
    );
    expect(rows).toHaveLength(1);
  });

  it('DB17: a key older than 24 h is expired: the same key then stores a new record', async () => {
    const [a] = urls as [string];
    const body = { channel: 'chat', summary: 'a day apart' };
    const first = (await (await post(a, 'cus_004', body, 'key-db17')).json()) as { id: string };
    await query(`UPDATE idempotency_keys SET created_at = $1 WHERE idempotency_key = 'key-db17'`, [
      new Date(Date.now() - 25 * 3600 * 1000).toISOString(),
    ]);
    const later = await post(a, 'cus_004', body, 'key-db17');
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBe('false');
    expect(((await later.json()) as { id: string }).id).not.toBe(first.id);
  });

  it('DB19: a query held up past the statement timeout is 503 database_unavailable, not a hang', async () => {
    const [a] = urls as [string];
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
      const response = await fetch(`${a}/customers?phone=%2B15005550001`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: string }).error).toBe('database_unavailable');
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const after = await fetch(`${a}/customers?phone=%2B15005550001`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(200);
  }, 30_000);

  it('DB20: the migrate command applies the migrations without starting a server, once', async () => {
    const fresh = await postgres.createDatabase();
    const migrate = (): Promise<{ stdout: string }> =>
      promisify(execFile)(process.execPath, ['dist/migrate.js'], {
        cwd: PACKAGE_DIR,
        env: serverEnv({ DATABASE_URL: fresh }),
      });
    const first = await migrate();
    expect(first.stdout.match(/"msg":"migration applied"/g)).toHaveLength(2);
    expect(first.stdout).toContain('"kind":"postgres"');
    const second = await migrate();
    expect(second.stdout).not.toContain('migration applied');
    expect(second.stdout).toContain('"msg":"database ready"');
  }, 60_000);

  it('DB21: sslmode=require against a server without TLS stops the start-up with one line, no password', async () => {
    const url = new URL(databaseUrl);
    url.searchParams.set('sslmode', 'require');
    const server = startServer(apiEnv({ DATABASE_URL: url.href }));
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    const lines = exit.stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}').msg).toMatch(/^start-up failed: .*SSL/);
    expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
    expect(exit.stdout).not.toContain('"msg":"listening"');
  }, 30_000);

  itWithOwnedCluster(
    'DB18: PostgreSQL stopped → 503 database_unavailable with Retry-After, readiness 503, liveness 200; started again → writes work without a restart',
    async () => {
      const [a, b] = urls as [string, string];
      await postgres.stop();
      try {
        for (const base of [a, b]) {
          const write = await post(
            base,
            'cus_001',
            { channel: 'voice', summary: 'during outage' },
            'k18',
          );
          expect(write.status).toBe(503);
          expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
          const body = (await write.json()) as Record<string, unknown>;
          expect(body).toEqual({
            statusCode: 503,
            error: 'database_unavailable',
            message: expect.any(String),
          });
          const read = await fetch(`${base}/customers?phone=%2B15005550001`, {
            headers: { authorization: `Bearer ${token}` },
          });
          expect(read.status).toBe(503);
          const ready = await fetch(`${base}/health/ready`);
          expect(ready.status).toBe(503);
          expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
            signingKeys: 'ok',
            database: 'unavailable',
          });
          expect((await fetch(`${base}/health`)).status).toBe(200);
        }
      } finally {
        await postgres.start();
      }
      for (const base of [a, b]) {
        // The pool replaces its dead connections on demand; no restart of the replicas.
        let status = 0;
        for (let attempt = 0; attempt < 20 && status !== 201; attempt += 1) {
          status = (await post(base, 'cus_001', { channel: 'voice', summary: 'after outage' }))
            .status;
          if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(status).toBe(201);
        expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      }
      for (const server of servers) expect(server.child.exitCode).toBeNull();
      expect(servers.map((s) => s.stdout() + s.stderr()).join('')).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});
