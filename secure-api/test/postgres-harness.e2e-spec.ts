// The PostgreSQL test harness itself (local-stack's throwaway cluster, or TEST_DATABASE_URL):
// a cluster it starts answers, hands out separate databases, survives a stop and start with
// its data, and is gone after close.
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { startPostgresCluster } from 'local-stack';
import pg from 'pg';
import { startPostgres } from './support/postgres-server.js';

describe('PostgreSQL test harness', () => {
  it('starts a server, creates separate databases and removes them afterwards', async () => {
    const server = await startPostgres();
    try {
      const [a, b] = [await server.createDatabase(), await server.createDatabase()];
      expect(a).not.toBe(b);
      const client = new pg.Client({ connectionString: a });
      await client.connect();
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      await client.end();
      expect(`/${rows[0]?.db}`).toBe(new URL(a).pathname);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('stops a cluster it owns as an outage would, starts it again with its data, and removes its directory', async () => {
    const cluster = await startPostgresCluster({ database: 'harness' });
    try {
      expect(cluster.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/harness$/);
      await cluster.query('CREATE TABLE kept (n int)');
      await cluster.query('INSERT INTO kept VALUES (1), (2)');
      await cluster.stop();
      const refused = new pg.Client({ connectionString: cluster.url });
      await expect(refused.connect()).rejects.toThrow(/ECONNREFUSED/);
      await cluster.start();
      expect(await cluster.query('SELECT count(*) FROM kept')).toEqual(['2']);
    } finally {
      await cluster.remove();
    }
    expect(existsSync(cluster.directory)).toBe(false);
  }, 60_000);
});
