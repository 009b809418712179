// What secure-api really stored: this run's interactions counted per CallSid, read straight from
// the database (SQLite through secure-api's own driver, or PostgreSQL through psql), not through
// the API, whose list route shows only the latest 100 of a customer.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type PostgresCluster } from '../postgres/postgres-cluster';

interface SqliteStatement {
  all(...params: unknown[]): unknown[];
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}
type SqliteConstructor = new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteDatabase;

export type StoredSource =
  | { kind: 'sqlite'; path: string; rootDir: string }
  | { kind: 'postgres'; cluster: PostgresCluster };

/** The summary is `<runId> call <CallSid>`: rows per CallSid, this run only. */
export async function storedInteractions(
  source: StoredSource,
  runId: string,
): Promise<Map<string, number>> {
  const prefix = `${runId} call `;
  const rows: Array<[string, number]> =
    source.kind === 'sqlite' ? sqliteRows(source, prefix) : await postgresRows(source, prefix);
  const bySid = new Map<string, number>();
  for (const [summary, count] of rows) {
    if (summary.startsWith(prefix)) bySid.set(summary.slice(prefix.length), count);
  }
  return bySid;
}

function sqliteRows(
  source: { path: string; rootDir: string },
  prefix: string,
): Array<[string, number]> {
  // secure-api's own driver, resolved from its package: local-stack adds no SQLite dependency.
  const requireFromApi = createRequire(join(source.rootDir, 'secure-api', 'package.json'));
  const Database = requireFromApi('better-sqlite3') as SqliteConstructor;
  const db = new Database(source.path, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare(
          'SELECT summary, COUNT(*) AS rows FROM interactions WHERE substr(summary, 1, ?) = ? GROUP BY summary',
        )
        .all(prefix.length, prefix) as Array<{ summary: string; rows: number }>
    ).map((r) => [r.summary, r.rows]);
  } finally {
    db.close();
  }
}

async function postgresRows(
  source: { cluster: PostgresCluster },
  prefix: string,
): Promise<Array<[string, number]>> {
  // The prefix is `soak-<hex>`: no quote can occur in it.
  const lines = await source.cluster.query(
    `SELECT summary, COUNT(*) FROM interactions WHERE left(summary, ${prefix.length}) = '${prefix}' GROUP BY summary`,
  );
  return lines.map((line) => {
    const [summary = '', count = '0'] = line.split('\t');
    return [summary, Number(count)];
  });
}
