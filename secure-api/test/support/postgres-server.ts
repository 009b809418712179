// A throwaway PostgreSQL for the tests: `initdb` into a temporary directory and `pg_ctl start`
// on a free loopback port (through `runuser -u postgres` when running as root, since the
// server refuses root), removed afterwards. With TEST_DATABASE_URL, that server is used
// instead. Either way each suite gets its own fresh database (createDatabase).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** True when this harness started the cluster (so it can be stopped and restarted). */
  owned: boolean;
  /** A new empty database; its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (owned clusters only), as an outage would. */
  halt(): void;
  /** Starts it again on the same port. */
  resume(): void;
  /** Drops the databases created, and removes an owned cluster. */
  close(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';

/** Debian's layout (/usr/lib/postgresql/<major>/bin), newest first; else whatever is on PATH. */
function serverBinary(name: 'initdb' | 'pg_ctl'): string {
  if (existsSync(PG_ROOT)) {
    const majors = readdirSync(PG_ROOT)
      .filter((entry) => /^\d+$/.test(entry))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const path = join(PG_ROOT, major, 'bin', name);
      if (existsSync(path)) return path;
    }
  }
  return name;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

function run(binary: string, args: string[]): void {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', binary, ...args]]
    : [binary, args];
  execFileSync(file, argv, { stdio: 'pipe', timeout: 60_000 });
}

function postgresUid(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function startCluster(): Promise<{ url: string; dir: string; start(): void; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'secure-api-pg-'));
  if (asRoot) {
    const { uid, gid } = postgresUid();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run(serverBinary('initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = (): void =>
    run(serverBinary('pg_ctl'), [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'server.log'),
      '-o',
      options,
      'start',
    ]);
  const stop = (): void => run(serverBinary('pg_ctl'), ['-D', data, '-w', '-m', 'fast', 'stop']);
  start();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, start, stop };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
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

export async function startPostgres(): Promise<PostgresServer> {
  const external = process.env.TEST_DATABASE_URL;
  const cluster = external ? undefined : await startCluster();
  const adminUrl = external ?? cluster?.url ?? '';
  const created: string[] = [];
  let running = true;
  return {
    owned: cluster !== undefined,
    async createDatabase() {
      const name = `secure_api_test_${process.pid}_${created.length}_${Date.now().toString(36)}`;
      await admin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
      created.push(name);
      return withDatabase(adminUrl, name);
    },
    halt() {
      if (!cluster) throw new Error('only a cluster started by the harness can be stopped');
      cluster.stop();
      running = false;
    },
    resume() {
      cluster?.start();
      running = true;
    },
    async close() {
      if (cluster) {
        if (running)
          run(serverBinary('pg_ctl'), [
            '-D',
            join(cluster.dir, 'data'),
            '-w',
            '-m',
            'immediate',
            'stop',
          ]);
        rmSync(cluster.dir, { recursive: true, force: true });
        return;
      }
      await admin(adminUrl, async (client) => {
        for (const name of created)
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}
