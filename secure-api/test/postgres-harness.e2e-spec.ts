// The PostgreSQL test harness itself: a cluster it starts answers, hands out separate
// databases, and is gone after close.
import { describe, expect, it } from '@jest/globals';
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
});
