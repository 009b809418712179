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
import { guarded } from './database-errors.js';
import {
  INTERACTION_COLUMNS,
  type InteractionRow,
  newInteractionRow,
  toInteraction,
} from './interaction-row.js';
import { loadMigrations, type MigrationReport, SCHEMA_MIGRATIONS_TABLE } from './migrations.js';

const CUSTOMER_COLUMNS = 'id, name, phone, email, tier';

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
  const migrations = loadMigrations();
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
    const applied = migrations.filter((m) => !done.has(m.version));
    for (const migration of applied) {
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, new Date().toISOString()],
      );
    }
    await client.query('COMMIT');
    return { applied, current: Math.max(0, ...migrations.map((m) => m.version)) };
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
      const result = await this.pool.query<Customer>(
        `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE phone = $1`,
        [phone],
      );
      return result.rows[0];
    });
  }

  findById(id: string): Promise<Customer | undefined> {
    return guarded(this.logger, async () => {
      const result = await this.pool.query<Customer>(
        `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1`,
        [id],
      );
      return result.rows[0];
    });
  }

  listInteractions(customerId: string): Promise<Interaction[]> {
    return guarded(this.logger, async () => {
      const result = await this.pool.query<InteractionRow>(
        `SELECT ${INTERACTION_COLUMNS} FROM interactions WHERE customer_id = $1
         ORDER BY occurred_at DESC, created_at DESC LIMIT 100`,
        [customerId],
      );
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
      const result = await this.pool.query('DELETE FROM idempotency_keys WHERE created_at < $1', [
        before,
      ]);
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
      const taken = await client.query(
        `INSERT INTO idempotency_keys (caller, idempotency_key, fingerprint, interaction_id, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (caller, idempotency_key) DO UPDATE SET
           fingerprint = EXCLUDED.fingerprint, interaction_id = EXCLUDED.interaction_id,
           created_at = EXCLUDED.created_at
         WHERE idempotency_keys.created_at < $6
         RETURNING interaction_id`,
        [claim.caller, claim.key, claim.fingerprint, row.id, row.created_at, claim.expiredBefore],
      );
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
    const stored = await client.query<{ fingerprint: string; interaction_id: string }>(
      'SELECT fingerprint, interaction_id FROM idempotency_keys WHERE caller = $1 AND idempotency_key = $2',
      [claim.caller, claim.key],
    );
    const key = stored.rows[0];
    if (!key || key.fingerprint !== claim.fingerprint) return { outcome: 'key_reused' };
    const original = await client.query<InteractionRow>(
      `SELECT ${INTERACTION_COLUMNS} FROM interactions WHERE id = $1`,
      [key.interaction_id],
    );
    const found = original.rows[0];
    if (!found) throw new Error('idempotency key without its interaction');
    return { outcome: 'replayed', interaction: toInteraction(found) };
  }

  private async insert(on: pg.Pool | pg.PoolClient, row: InteractionRow): Promise<void> {
    await on.query(
      `INSERT INTO interactions (${INTERACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        row.id,
        row.customer_id,
        row.channel,
        row.summary,
        row.occurred_at,
        row.recorded_by,
        row.created_at,
      ],
    );
  }
}
