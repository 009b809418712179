// Real services in child processes: secure-api (its built dist/main.js) and twilio-run serving
// this package's dist/. Each child runs in its own process group so that closing it also ends
// whatever it forked (twilio-run forks one process per request).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Auth0StandIn } from 'local-stack';
import { AUDIENCE, envFileText } from './env';
import { freePort } from './free-port';
import type { Env } from './invoke';

const REPO_ROOT = resolve(__dirname, '../../..');
const PACKAGE_DIR = resolve(__dirname, '../..');

export interface ChildService {
  url: string;
  /** Every stdout/stderr line so far. */
  output: () => string[];
  close(): Promise<void>;
}

function start(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, {
    ...options,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) =>
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { child, lines, exited };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
}

async function waitUntilUp(url: string, lines: string[], exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (gone)
      throw new Error(`child exited before ${url} answered:\n${lines.slice(-20).join('\n')}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer in time:\n${lines.slice(-20).join('\n')}`);
}

/** The real secure-api, built, against the Auth0 stand-in, with an in-memory database. */
export async function startSecureApi(auth0: Auth0StandIn): Promise<ChildService> {
  const port = await freePort();
  const { child, lines, exited } = start(
    process.execPath,
    [join(REPO_ROOT, 'secure-api/dist/main.js')],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        AUTH0_ISSUER_URL: auth0.url,
        AUTH0_AUDIENCE: AUDIENCE,
        PORT: String(port),
        DATABASE_PATH: ':memory:',
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}/health`, lines, exited).catch(async (error: unknown) => {
    await stop(child, exited);
    throw error;
  });
  return { url, output: () => lines, close: () => stop(child, exited) };
}

/** twilio-run serving dist/ (default mode: a new process per request) with `env` as its --env. */
export async function startTwilioRun(env: Env): Promise<ChildService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'twilio-run-env-'));
  const envFile = join(dir, '.env');
  writeFileSync(envFile, envFileText(env), { mode: 0o600 });
  const { child, lines, exited } = start(
    join(REPO_ROOT, 'node_modules/.bin/twilio-run'),
    [
      '--functions-folder',
      'dist/functions',
      '--assets-folder',
      'dist/assets',
      '--env',
      envFile,
      '--port',
      String(port),
    ],
    { cwd: PACKAGE_DIR, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' } },
  );
  const url = `http://localhost:${port}`;
  const close = async () => {
    await stop(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  await waitUntilUp(`${url}/index.html`, lines, exited).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return { url, output: () => lines, close };
}
