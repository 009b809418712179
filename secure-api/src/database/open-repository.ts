// Picks and opens the database from the configuration, applies the pending migrations and
// logs which database this is: kind and host (PostgreSQL) or path (SQLite), never a password.
// Used at start-up (DatabaseModule) and by `npm run migrate` (migrate.ts).
import type { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { DEFAULT_DATABASE_POOL } from '../config/database-config.js';
import type { CustomersRepository } from '../customers/customers.repository.js';
import type { MigrationReport } from './migrations.js';
import {
  createPool,
  migratePostgres,
  PostgresCustomersRepository,
} from './postgres-customers.repository.js';
import {
  migrateSqlite,
  openSqlite,
  SqliteCustomersRepository,
} from './sqlite-customers.repository.js';

export type DatabaseConfig = Pick<AppConfig, 'databasePath' | 'databaseUrl' | 'databasePool'>;

/** What may be logged about the database: its kind and where it is. */
export function describeDatabase(config: DatabaseConfig): Record<string, string> {
  if (config.databaseUrl === undefined) return { kind: 'sqlite', path: config.databasePath };
  const url = new URL(config.databaseUrl);
  return {
    kind: 'postgres',
    host: url.port ? `${url.hostname}:${url.port}` : url.hostname,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
  };
}

export async function openRepository(
  config: DatabaseConfig,
  logger: Logger,
): Promise<CustomersRepository> {
  const tuning = config.databasePool ?? DEFAULT_DATABASE_POOL;
  let repository: CustomersRepository;
  let report: MigrationReport;
  if (config.databaseUrl !== undefined) {
    const pool = createPool(config.databaseUrl, tuning, logger);
    try {
      report = await migratePostgres(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    repository = new PostgresCustomersRepository(pool);
  } else {
    const db = openSqlite(config.databasePath, tuning);
    try {
      report = migrateSqlite(db);
    } catch (error) {
      db.close();
      throw error;
    }
    repository = new SqliteCustomersRepository(db);
  }
  for (const migration of report.applied) {
    logger.log({ msg: 'migration applied', version: migration.version, name: migration.name });
  }
  logger.log({ msg: 'database ready', ...describeDatabase(config), schema: report.current });
  return repository;
}
