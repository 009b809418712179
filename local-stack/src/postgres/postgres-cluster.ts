// A throwaway PostgreSQL cluster on loopback, for the soak and for every package's tests and
// bench: `initdb` into a temporary directory, the server on a free loopback port with its
// socket in that directory, trust authentication on loopback only, removed afterwards. Run
// through `runuser -u postgres` when this process is root (PostgreSQL refuses to run as root).
// Debian's binaries by default (the newest major installed); POSTGRES_BIN_DIR moves them.
// Hand-written over the server's own tools (initdb, pg_ctl, psql): no registry package starts
// a real server, and psql keeps this package free of a database driver.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalStackError } from '../shared/local-stack-error';
import { pickFreePort } from '../launcher/ports';

const run = promisify(execFile);

export const DEFAULT_POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'postgres';
/** A name PostgreSQL takes unquoted: what `database` and createDatabase() accept. */
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** No server tool may hang a caller: initdb and pg_ctl (which waits 60 s itself) included. */
const TOOL_TIMEOUT_MS = 120_000;

export interface PostgresClusterOptions {
  /** Where initdb, pg_ctl, postgres and psql are (default: postgresBinDir()). */
  binDir?: string;
  /** The database `url` names; created unless it is `postgres` (default `postgres`). */
  database?: string;
  /** Prefix of the temporary directory's name (default `postgres-`). */
  directoryPrefix?: string;
}

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust on loopback: no password). */
  url: string;
  port: number;
  /** The temporary directory holding the data, the socket and the server log. */
  directory: string;
  /** A new empty database (a fresh one per call, for one suite); its URL. */
  createDatabase(): Promise<string>;
  /** Restarts the server (fast shutdown: open connections are cut, as in a failover). */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown), as an outage would; start() brings it back. */
  stop(): Promise<void>;
  /** Starts a stopped server again, on the same port and with the same data. */
  start(): Promise<void>;
  /** One SQL statement through psql on the `url`'s database; rows as tab-separated lines. */
  query(sql: string): Promise<string[]>;
  /** Stops the server (if running) and removes its directory. */
  remove(): Promise<void>;
}

/** POSTGRES_BIN_DIR, else the newest Debian install (/usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian)
    ? readdirSync(debian)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(debian, name, 'bin', 'initdb')))
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  return majors.length > 0 ? join(debian, String(majors[0]), 'bin') : DEFAULT_POSTGRES_BIN_DIR;
}

export function postgresInstalled(binDir = postgresBinDir()): boolean {
  return ['initdb', 'pg_ctl', 'postgres', 'psql'].every((name) => existsSync(join(binDir, name)));
}

export async function startPostgresCluster(
  options: PostgresClusterOptions = {},
): Promise<PostgresCluster> {
  const binDir = options.binDir ?? postgresBinDir();
  const database = options.database ?? 'postgres';
  if (!DATABASE_NAME.test(database)) {
    throw new LocalStackError('INVALID_OPTION', `database: "${database}" is not a plain name`);
  }
  if (!postgresInstalled(binDir)) {
    throw new LocalStackError(
      'NOT_BUILT',
      `PostgreSQL is not installed in ${binDir} (apt-get install -y postgresql, or set POSTGRES_BIN_DIR).`,
    );
  }
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), options.directoryPrefix ?? 'postgres-'));
  const dataDir = join(dir, 'data');
  let port = 0;
  let serverOptions = '';
  const as = (command: string, args: string[]) => {
    const [file, argv] = root
      ? ['runuser', ['-u', SUPERUSER, '--', join(binDir, command), ...args]]
      : [join(binDir, command), args];
    return run(file, argv, { timeout: TOOL_TIMEOUT_MS });
  };
  const pgCtl = (action: string, extra: string[] = []) =>
    as('pg_ctl', [
      '-D',
      dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      join(dir, 'server.log'),
      ...extra,
      action,
    ]);
  const stopNow = () => as('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
  const psql = (name: string, sql: string) => as('psql', psqlArgs(port, name, sql));
  try {
    if (root) chownToPostgres(dir);
    port = await pickFreePort();
    // fsync off and initdb -N: a throwaway cluster starts in about a second. max_connections:
    // room for several API replicas' pools at once (the default 100 is shared by all).
    serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await as('initdb', ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '-N']);
    await pgCtl('start', ['-o', serverOptions]);
    if (database !== 'postgres') await psql('postgres', `CREATE DATABASE ${database}`);
  } catch (error) {
    await stopNow().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    if (error instanceof LocalStackError) throw error;
    throw new LocalStackError(
      'LISTEN_FAILED',
      `Cannot start a PostgreSQL cluster: ${firstLine(error)}`,
    );
  }
  const urlOf = (name: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
  let created = 0;
  return {
    url: urlOf(database),
    port,
    directory: dir,
    async createDatabase() {
      created += 1;
      const name = `db_${created}_${Date.now().toString(36)}`;
      await psql('postgres', `CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    async restart() {
      await pgCtl('restart', ['-m', 'fast', '-o', serverOptions]);
    },
    async stop() {
      await pgCtl('stop', ['-m', 'fast']);
    },
    async start() {
      await pgCtl('start', ['-o', serverOptions]);
    },
    async query(sql) {
      const { stdout } = await psql(database, sql);
      return stdout.split('\n').filter((line) => line !== '');
    },
    async remove() {
      await stopNow().catch(() => undefined); // already stopped: nothing to do
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function psqlArgs(port: number, database: string, sql: string): string[] {
  // psql lives beside the server binaries; -X ignores any ~/.psqlrc.
  return [
    '-X',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    SUPERUSER,
    '-d',
    database,
    '-At',
    '-F',
    '\t',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    sql,
  ];
}

function chownToPostgres(dir: string): void {
  // The uid and gid of the postgres user, from the passwd file (no extra dependency).
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith(`${SUPERUSER}:`));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new LocalStackError('INVALID_OPTION', 'No postgres user to run PostgreSQL as root');
  }
  chownSync(dir, Number(uid), Number(gid));
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(error)).split('\n')[0] ?? '';
}
