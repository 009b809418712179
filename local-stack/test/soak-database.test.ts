// The soak's database side: the throwaway PostgreSQL cluster (initdb in a temporary directory,
// a free loopback port, runuser when root) survives a restart with its data and leaves nothing
// behind, and the stored-interaction count finds this run's rows and their duplicates on both
// databases secure-api can use.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresInstalled, startPostgresCluster } from '../src/postgres/postgres-cluster';
import { storedInteractions } from '../src/soak/stored-interactions';

const ROOT = join(__dirname, '..', '..');
const temp: string[] = [];

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const ROWS = [
  'soak-ab12 call CA1',
  'soak-ab12 call CA2',
  'soak-ab12 call CA2',
  'soak-ff00 call CA3',
  'a summary typed by a person',
];

describe('stored interactions', () => {
  it('SK10: on SQLite, this run’s interactions are counted per CallSid, a duplicate as 2, other rows ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soak-sqlite-'));
    temp.push(dir);
    const path = join(dir, 'secure-api.db');
    type Db = {
      exec(sql: string): void;
      prepare(sql: string): { run(...p: unknown[]): void };
      close(): void;
    };
    const Database = createRequire(join(ROOT, 'secure-api', 'package.json'))(
      'better-sqlite3',
    ) as new (path: string) => Db;
    const db = new Database(path);
    db.exec('CREATE TABLE interactions (id TEXT, summary TEXT)');
    const insert = db.prepare('INSERT INTO interactions VALUES (?, ?)');
    ROWS.forEach((summary, i) => insert.run(`int_${i}`, summary));
    db.close();
    const stored = await storedInteractions({ kind: 'sqlite', path, rootDir: ROOT }, 'soak-ab12');
    expect([...stored.entries()].sort()).toEqual([
      ['CA1', 1],
      ['CA2', 2],
    ]);
  });

  it('SK11: the throwaway PostgreSQL cluster restarts with its data, is counted like SQLite, and leaves no directory', async () => {
    if (!postgresInstalled()) {
      throw new Error('PostgreSQL is missing: apt-get install -y postgresql (.ci/run does it)');
    }
    const cluster = await startPostgresCluster({ database: 'soak' });
    try {
      expect(cluster.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/soak$/);
      await cluster.query('CREATE TABLE interactions (id text, summary text)');
      const values = ROWS.map((summary, i) => `('int_${i}', '${summary}')`).join(', ');
      await cluster.query(`INSERT INTO interactions VALUES ${values}`);
      await cluster.restart();
      const stored = await storedInteractions({ kind: 'postgres', cluster }, 'soak-ab12');
      expect([...stored.entries()].sort()).toEqual([
        ['CA1', 1],
        ['CA2', 2],
      ]);
    } finally {
      await cluster.remove();
    }
    expect(existsSync(cluster.directory)).toBe(false);
  }, 120_000);
});
