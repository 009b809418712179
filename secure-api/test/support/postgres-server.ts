// The PostgreSQL the tests and the bench use: the server at TEST_DATABASE_URL when it is set,
// else a throwaway cluster from local-stack (startPostgresCluster: initdb in a temporary
// directory, a free loopback port, runuser when root, removed afterwards). Either way each
// suite gets its own fresh database (createDatabase).
import { startPostgresCluster, type PostgresCluster } from 'local-stack';
import pg from 'pg';

export interface PostgresServer {
  /** A new empty database; its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (owned clusters only), as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Drops the databases created on an external server, or removes an owned cluster. */
  close(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) return externalServer(external);
  const cluster = await startPostgresCluster({ directoryPrefix: 'secure-api-pg-' });
  return ownedServer(cluster);
}

function ownedServer(cluster: PostgresCluster): PostgresServer {
  return {
    createDatabase: () => cluster.createDatabase(),
    stop: () => cluster.stop(),
    start: () => cluster.start(),
    close: () => cluster.remove(),
  };
}

/** A server the tests do not own: they only create their databases there and drop them. */
function externalServer(adminUrl: string): PostgresServer {
  const created: string[] = [];
  const notOwned = (): Promise<void> =>
    Promise.reject(new Error('only a cluster started by the tests can be stopped or started'));
  return {
    async createDatabase() {
      const name = `secure_api_test_${process.pid}_${created.length}_${Date.now().toString(36)}`;
      await admin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.href;
    },
    stop: notOwned,
    start: notOwned,
    async close() {
      await admin(adminUrl, async (client) => {
        for (const name of created)
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

async function admin<T>(url: string, call: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await call(client);
  } finally {
    await client.end();
  }
}
