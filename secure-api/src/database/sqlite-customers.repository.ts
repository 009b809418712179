// The customers repository on embedded SQLite (better-sqlite3): the zero-setup default for
// one instance. Calls are synchronous underneath; each write is one transaction, so
// idempotent inserts are atomic within the process.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
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
  replayed,
  sameRequest,
  sqlitePlaceholder,
  type StoredKey,
} from './customer-statements.js';
import { guarded } from './database-errors.js';
import { type InteractionRow, newInteractionRow, toInteraction } from './interaction-row.js';
import { migrationPlan, type MigrationReport, SCHEMA_MIGRATIONS_TABLE } from './migrations.js';

const SQL = customerStatements(sqlitePlaceholder);

/** Applies the missing migrations inside one IMMEDIATE transaction (takes the write lock first). */
export function migrateSqlite(db: BetterSqlite3.Database): MigrationReport {
  return db
    .transaction((): MigrationReport => {
      db.exec(SCHEMA_MIGRATIONS_TABLE);
      const done = new Set(
        db
          .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
          .all()
          .map((row) => row.version),
      );
      const plan = migrationPlan(done);
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      for (const migration of plan.applied) {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, new Date().toISOString());
      }
      return plan;
    })
    .immediate();
}

export function openSqlite(path: string, pool: DatabasePoolConfig): BetterSqlite3.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // The busy timeout bounds how long a write waits for another process's lock.
  const db = new BetterSqlite3(path, { timeout: pool.statementTimeoutMs });
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

export class SqliteCustomersRepository extends CustomersRepository {
  readonly kind = 'sqlite';
  private readonly logger = new Logger('Database');
  private readonly byPhone;
  private readonly byId;
  private readonly interactionsOf;
  private readonly interactionById;
  private readonly insertInteraction;
  private readonly claimKey;
  private readonly storedKey;
  private readonly deleteExpiredKeys;
  private readonly selectOne;

  constructor(private readonly db: BetterSqlite3.Database) {
    super();
    this.byPhone = db.prepare<[string], Customer>(SQL.customerByPhone);
    this.byId = db.prepare<[string], Customer>(SQL.customerById);
    this.interactionsOf = db.prepare<[string], InteractionRow>(SQL.interactionsOf);
    this.interactionById = db.prepare<[string], InteractionRow>(SQL.interactionById);
    this.insertInteraction = db.prepare<string[]>(SQL.insertInteraction);
    this.claimKey = db.prepare<string[], { interaction_id: string }>(SQL.claimKey);
    this.storedKey = db.prepare<[string, string], StoredKey>(SQL.storedKey);
    this.deleteExpiredKeys = db.prepare<[string]>(SQL.deleteExpiredKeys);
    this.selectOne = db.prepare('SELECT 1');
  }

  findByPhone(phone: string): Promise<Customer | undefined> {
    return guarded(this.logger, () => this.byPhone.get(phone));
  }

  findById(id: string): Promise<Customer | undefined> {
    return guarded(this.logger, () => this.byId.get(id));
  }

  listInteractions(customerId: string): Promise<Interaction[]> {
    return guarded(this.logger, () => this.interactionsOf.all(customerId).map(toInteraction));
  }

  addInteraction(input: NewInteraction, claim?: IdempotencyClaim): Promise<RecordOutcome> {
    return guarded(this.logger, () =>
      this.db.transaction((): RecordOutcome => {
        const row = newInteractionRow(input);
        if (claim) {
          const taken = this.claimKey.get(...claimValues(row, claim));
          if (!taken) return this.replay(claim);
        }
        this.insertInteraction.run(...interactionValues(row));
        return { outcome: 'created', interaction: toInteraction(row) };
      })(),
    );
  }

  purgeExpiredKeys(before: string): Promise<number> {
    return guarded(this.logger, () => this.deleteExpiredKeys.run(before).changes);
  }

  ping(): Promise<void> {
    return guarded(this.logger, () => {
      this.selectOne.get();
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  private replay(claim: IdempotencyClaim): RecordOutcome {
    const stored = this.storedKey.get(claim.caller, claim.key);
    if (!sameRequest(stored, claim)) return { outcome: 'key_reused' };
    return replayed(this.interactionById.get(stored.interaction_id));
  }
}
