// A throwaway PostgreSQL cluster for the soak (and any local test that needs one): `initdb`
// into a temporary directory, the server on a free loopback port with its socket in that
// directory, trust authentication on loopback only, removed afterwards. Run through
// `runuser -u postgres` when this process is root (PostgreSQL refuses to run as root).
// Debian's binaries by default (the newest major installed); POSTGRES_BIN_DIR moves them.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalStackError } from '../shared/local-stack-error';
import { pickFreePort } from '../launcher/ports';

const run = promisify(execFile);

export const DEFAULT_POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';
const DATABASE = 'soak';
const SUPERUSER = 'postgres';

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/soak` (trust on loopback: no password). */
  url: string;
  port: number;
  /** The temporary directory holding the data, the socket and the server log. */
  directory: string;
  /** Restarts the server (fast shutdown: open connections are cut, as in a failover). */
  restart(): Promise<void>;
  /** One SQL statement through psql; rows as tab-separated lines. */
  query(sql: string): Promise<string[]>;
  /** Stops the server and removes its directory. */
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
  return ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(binDir, name)));
}

export async function startPostgresCluster(binDir = postgresBinDir()): Promise<PostgresCluster> {
  if (!postgresInstalled(binDir)) {
    throw new LocalStackError(
      'NOT_BUILT',
      `PostgreSQL is not installed in ${binDir} (apt-get install -y postgresql, or set POSTGRES_BIN_DIR).`,
    );
  }
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'soak-postgres-'));
  const dataDir = join(dir, 'data');
  if (root) chownToPostgres(dir);
  const as = (command: string, args: string[]) =>
    root
      ? run('runuser', ['-u', 'postgres', '--', join(binDir, command), ...args])
      : run(join(binDir, command), args);
  const port = await pickFreePort();
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
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  try {
    await as('initdb', ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '-N']);
    await pgCtl('start', ['-o', serverOptions]);
    await as('psql', psqlArgs(port, 'postgres', `CREATE DATABASE ${DATABASE}`));
  } catch (error) {
    await as('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new LocalStackError(
      'LISTEN_FAILED',
      `Cannot start a PostgreSQL cluster: ${firstLine(error)}`,
    );
  }
  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
    port,
    directory: dir,
    async restart() {
      await pgCtl('restart', ['-m', 'fast', '-o', serverOptions]);
    },
    async query(sql) {
      const { stdout } = await as('psql', psqlArgs(port, DATABASE, sql));
      return stdout.split('\n').filter((line) => line !== '');
    },
    async remove() {
      await as('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
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
