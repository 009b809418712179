// Opens the SQLite database (better-sqlite3), creates the schema and seeds the demo
// customers when the database is empty. One connection per app; closed on shutdown.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;

export const SEED_CUSTOMERS = [
  {
    id: 'cus_001',
    name: 'Ada Lovelace',
    phone: '+15005550001',
    email: 'ada.lovelace@example.com',
    tier: 'gold',
  },
  {
    id: 'cus_002',
    name: 'Grace Hopper',
    phone: '+15005550002',
    email: 'grace.hopper@example.com',
    tier: 'silver',
  },
  {
    id: 'cus_003',
    name: 'Alan Turing',
    phone: '+447700900003',
    email: 'alan.turing@example.com',
    tier: 'standard',
  },
  {
    id: 'cus_004',
    name: 'Katherine Johnson',
    phone: '+15005550004',
    email: 'katherine.johnson@example.com',
    tier: 'gold',
  },
] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (
  id    TEXT PRIMARY KEY,
  name  TEXT NOT NULL,
  phone TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  tier  TEXT NOT NULL CHECK (tier IN ('gold', 'silver', 'standard'))
);
CREATE TABLE IF NOT EXISTS interactions (
  id          TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers (id),
  channel     TEXT NOT NULL CHECK (channel IN ('voice', 'sms', 'whatsapp', 'chat')),
  summary     TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_by_customer ON interactions (customer_id, occurred_at);
`;

export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  const { count } = db.prepare('SELECT COUNT(*) AS count FROM customers').get() as {
    count: number;
  };
  if (count === 0) {
    const insert = db.prepare(
      'INSERT INTO customers (id, name, phone, email, tier) VALUES (@id, @name, @phone, @email, @tier)',
    );
    db.transaction(() => SEED_CUSTOMERS.forEach((customer) => insert.run(customer)))();
  }
  return db;
}
