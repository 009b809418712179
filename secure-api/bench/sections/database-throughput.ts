// Section 6: what the database costs. /customers?phone= lookups and interaction inserts
// (without and with an Idempotency-Key) against secure-api on a SQLite file and on a local
// PostgreSQL (a throwaway cluster from the tests' harness, or TEST_DATABASE_URL), same
// token, same load. Reported in req/s; there is no target.
import type { RequestParams } from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../test/support/postgres-server.js';
import type { DatabaseRow } from '../report/bench-results.js';
import type { ServerConfig } from '../servers/child-protocol.js';
import { runLoad } from '../support/load-run.js';
import { ServerProcess } from '../support/server-process.js';
import { median } from '../support/statistics.js';

export const DATABASE_CONNECTIONS = 10;
const RUN_SECONDS = 2;
const ROUNDS = 3;

const OPERATIONS: Array<{ operation: DatabaseRow['operation']; label: string }> = [
  { operation: 'lookup', label: 'GET /customers?phone=' },
  { operation: 'insert', label: 'POST /customers/:id/interactions' },
  { operation: 'idempotent-insert', label: 'POST …/interactions with a new Idempotency-Key' },
];

function load(url: string, token: string, operation: DatabaseRow['operation']) {
  const headers = { authorization: `Bearer ${token}` };
  if (operation === 'lookup') {
    return runLoad({
      url: `${url}/customers?phone=%2B15005550001`,
      connections: DATABASE_CONNECTIONS,
      durationSeconds: RUN_SECONDS,
      headers,
    });
  }
  const body = JSON.stringify({ channel: 'voice', summary: 'bench call' });
  return runLoad({
    url,
    connections: DATABASE_CONNECTIONS,
    durationSeconds: RUN_SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/customers/cus_001/interactions',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        // A fresh key per request: every insert claims its key, as a real call would.
        ...(operation === 'idempotent-insert'
          ? {
              setupRequest: (request: RequestParams) => ({
                ...request,
                headers: { ...request.headers, 'idempotency-key': randomUUID() },
              }),
            }
          : {}),
      },
    ],
  });
}

export async function measureDatabases(
  serverConfig: ServerConfig,
  token: string,
  log: (line: string) => void,
): Promise<DatabaseRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'secure-api-bench-db-'));
  const postgres = await startPostgres();
  const rows: DatabaseRow[] = [];
  try {
    const targets = [
      { database: 'sqlite' as const, config: { databasePath: join(dir, 'bench.db') } },
      { database: 'postgres' as const, config: { databaseUrl: await postgres.createDatabase() } },
    ];
    for (const target of targets) {
      const server = await ServerProcess.start('database-app.server', {
        ...serverConfig,
        ...target.config,
      });
      try {
        for (const { operation, label } of OPERATIONS) {
          await load(server.url, token, operation); // warm-up
          const runs = [];
          for (let round = 0; round < ROUNDS; round += 1) {
            runs.push(await load(server.url, token, operation));
          }
          const failures = runs.reduce(
            (sum, run) =>
              sum +
              run.errors +
              Object.entries(run.statuses)
                .filter(([status]) => !status.startsWith('2'))
                .reduce((n, [, count]) => n + count, 0),
            0,
          );
          const row: DatabaseRow = {
            database: target.database,
            operation,
            label,
            connections: DATABASE_CONNECTIONS,
            requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
            p50Ms: median(runs.map((run) => run.p50Ms)),
            p99Ms: median(runs.map((run) => run.p99Ms)),
            failures,
          };
          rows.push(row);
          log(
            `  ${target.database} ${label}: ${Math.round(row.requestsPerSecond)} req/s, ` +
              `p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, ${failures} failures`,
          );
        }
      } finally {
        await server.close();
      }
    }
  } finally {
    await postgres.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
