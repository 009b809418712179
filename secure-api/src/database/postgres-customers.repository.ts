// The customers repository on PostgreSQL (node-postgres pool): any number of replicas share
// one database. An idempotent insert is one transaction whose first statement claims the
// key under the primary key of idempotency_keys: a concurrent duplicate, on this replica or
// another, waits on that row and then reads the first request's record.
import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DatabasePoolConfig } from '../config/database-config.js';
import {
  CustomersRepository,
  type IdempotencyClaim,
  type NewInteraction,
  type RecordOutcome,
} from '../customers/customers.repository.js';
import type { Customer, Interaction } from '../customers/dto/customer.dto.js';
import {
  claimValues,
  customerStatements,
  interactionValues,
  postgresPlaceholder,
  replayed,
  sameRequest,
  type StoredKey,
} from './customer-statements.js';
import { guarded } from './database-errors.js';
import { type InteractionRow, newInteractionRow, toInteraction } from './interaction-row.js';
import { migrationPlan, type MigrationReport, SCHEMA_MIGRATIONS_TABLE } from './migrations.js';

const SQL = customerStatements(postgresPlaceholder);

/** Any constant shared by every replica: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_ID = 7_000_816;

/** Idle connections are closed after this long (a replica at rest holds none). */
const IDLE_TIMEOUT_MS = 30_000;

export function createPool(url: string, tuning: DatabasePoolConfig, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: tuning.max,
    connectionTimeoutMillis: tuning.connectTimeoutMs,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    // Server side: the statement is cancelled. Client side: a dead connection that never
    // answers is given up a little later.
    statement_timeout: tuning.statementTimeoutMs,
    query_timeout: tuning.statementTimeoutMs + 1_000,
    application_name: 'secure-api',
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would crash the process. The pool drops the client and opens a new one when needed.
  pool.on('error', (error: Error & { code?: string }) => {
    logger.warn({ msg: 'idle database connection lost', reason: error.code ?? error.message });
  });
  return pool;
}

/** Applies the missing migrations in one transaction under pg_advisory_xact_lock. */
export async function migratePostgres(pool: pg.Pool): Promise<MigrationReport> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(SCHEMA_MIGRATIONS_TABLE);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (row) => Number(row.version),
      ),
    );
    const plan = migrationPlan(done);
    for (const migration of plan.applied) {
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, new Date().toISOString()],
      );
    }
    await client.query('COMMIT');
    return plan;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export class PostgresCustomersRepository extends CustomersRepository {
  readonly kind = 'postgres';
  private readonly logger = new Logger('Database');

  constructor(private readonly pool: pg.Pool) {
    super();
  }

  findByPhone(phone: string): Promise<Customer | undefined> {
    return guarded(this.logger, async () => {
      const result = await this.pool.query<Customer>(SQL.customerByPhone, [phone]);
      return result.rows[0];
    });
  }

  findById(id: string): Promise<Customer | undefined> {
    return guarded(this.logger, async () => {
      const result = await this.pool.query<Customer>(SQL.customerById, [id]);
      return result.rows[0];
    });
  }

  listInteractions(customerId: string): Promise<Interaction[]> {
    return guarded(this.logger, async () => {
      const result = await this.pool.query<InteractionRow>(SQL.interactionsOf, [customerId]);
      return result.rows.map(toInteraction);
    });
  }

  addInteraction(input: NewInteraction, claim?: IdempotencyClaim): Promise<RecordOutcome> {
    const row = newInteractionRow(input);
    if (!claim) {
      return guarded(this.logger, async () => {
        await this.insert(this.pool, row);
        return { outcome: 'created', interaction: toInteraction(row) };
      });
    }
    return guarded(this.logger, () => this.addIdempotently(row, claim));
  }

  purgeExpiredKeys(before: string): Promise<number> {
    return guarded(this.logger, async () => {
      const result = await this.pool.query(SQL.deleteExpiredKeys, [before]);
      return result.rowCount ?? 0;
    });
  }

  ping(): Promise<void> {
    return guarded(this.logger, async () => {
      await this.pool.query('SELECT 1');
    });
  }

  async close(): Promise<void> {
    // pg refuses a second end(); shutdown may follow an explicit close.
    if (!this.pool.ending) await this.pool.end();
  }

  private async addIdempotently(
    row: InteractionRow,
    claim: IdempotencyClaim,
  ): Promise<RecordOutcome> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // Blocks while another transaction holds an uncommitted claim on the same key; then
      // sees its committed row (READ COMMITTED) and takes the replay path below.
      const taken = await client.query(SQL.claimKey, claimValues(row, claim));
      let outcome: RecordOutcome;
      if (taken.rowCount === 1) {
        await this.insert(client, row);
        outcome = { outcome: 'created', interaction: toInteraction(row) };
      } else {
        outcome = await this.replay(client, claim);
      }
      await client.query('COMMIT');
      return outcome;
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A client that failed mid-transaction is discarded rather than reused.
      client.release(broken);
    }
  }

  private async replay(client: pg.PoolClient, claim: IdempotencyClaim): Promise<RecordOutcome> {
    const stored = await client.query<StoredKey>(SQL.storedKey, [claim.caller, claim.key]);
    const key = stored.rows[0];
    if (!sameRequest(key, claim)) return { outcome: 'key_reused' };
    const original = await client.query<InteractionRow>(SQL.interactionById, [key.interaction_id]);
    return replayed(original.rows[0]);
  }

  private async insert(on: pg.Pool | pg.PoolClient, row: InteractionRow): Promise<void> {
    await on.query(SQL.insertInteraction, interactionValues(row));
  }
}
