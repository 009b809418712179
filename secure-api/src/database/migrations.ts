// The versioned migration files (secure-api/migrations/NNN_name.sql), read in version order.
// Each dialect's runner applies the missing ones in one transaction under a lock, so replicas
// that start together apply each exactly once, and records them in schema_migrations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * secure-api/migrations/, found from the package root (the nearest package.json up), so the
 * same code works from src/, dist/ and the bench's dist/bench/src/.
 */
function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'migrations/');
}

export const MIGRATIONS_DIR = migrationsDir();

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([file, version, name]) => ({
      version: Number(version),
      name: name ?? '',
      sql: readFileSync(`${dir}${file}`, 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
  const versions = new Set(migrations.map((m) => m.version));
  if (versions.size !== migrations.length) throw new Error('two migration files share a version');
  return migrations;
}

/** What one run did: the versions it applied (empty when the schema was up to date). */
export interface MigrationReport {
  applied: Migration[];
  current: number;
}

/**
 * The migration files not yet recorded in schema_migrations (`done`), in version order, and the
 * version the schema is at once they are applied: each dialect's runner applies this plan.
 */
export function migrationPlan(done: ReadonlySet<number>): MigrationReport {
  const migrations = loadMigrations();
  return {
    applied: migrations.filter((m) => !done.has(m.version)),
    current: Math.max(0, ...migrations.map((m) => m.version)),
  };
}
