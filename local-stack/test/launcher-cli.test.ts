// The real `npm start` entry point (local-stack/dist/launcher/main.js) as a user meets it:
// the banner, a clean stop on SIGTERM that leaves no process behind, a dying part taking the
// rest down with a non-zero exit naming it, and the busy-port message before anything starts.
// Runs the built launcher with LOCAL_STACK_SKIP_BUILD (`npm test` has just built everything)
// and a temporary LOCAL_STACK_DIR, on free ports.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickFreePort } from '../src/launcher/ports';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'local-stack', 'dist', 'launcher', 'main.js');
const stateDirs: string[] = [];
const launched: ChildProcess[] = [];

afterEach(() => {
  // A failed test must not leave a launcher (and its system) running.
  for (const child of launched.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
});
afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

interface Launch {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  functionsPort: number;
}

async function launch(extraEnv: Record<string, string> = {}): Promise<Launch> {
  const stateDir = mkdtempSync(join(tmpdir(), 'local-stack-cli-'));
  stateDirs.push(stateDir);
  const functionsPort = await pickFreePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_STACK_DIR: stateDir,
    LOCAL_STACK_SKIP_BUILD: 'true',
    LOCAL_AUTH0_PORT: String(await pickFreePort()),
    LOCAL_SYNC_PORT: String(await pickFreePort()),
    API_PORT: String(await pickFreePort()),
    FUNCTIONS_PORT: String(functionsPort),
    ...extraEnv,
  };
  delete env.PORT;
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launched.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    functionsPort: Number(env.FUNCTIONS_PORT),
  };
}

/** Resolves once the banner is out; fails if the launcher exits first. */
async function bannerOf(l: Launch): Promise<string> {
  const exited = l.exit.then((e) => {
    throw new Error(
      `launcher exited (${String(e.code)}) before its banner:\n${l.stdout()}\n${l.stderr()}`,
    );
  });
  exited.catch(() => {});
  const banner = new Promise<string>((resolve) => {
    const check = (): void => {
      if (l.stdout().includes('Stop everything')) resolve(l.stdout());
    };
    l.child.stdout?.on('data', check);
    check();
  });
  return Promise.race([banner, exited]);
}

/** Every live descendant of `pid`, from /proc (children, their forks, and so on). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

describe('the launcher CLI', () => {
  it('prints the banner, serves /test-api-call, and stops every process on SIGTERM with exit 0', async () => {
    const l = await launch({ LOCAL_DPOP: 'false', LOCAL_CLIENT_AUTH: 'secret' });
    const banner = await bannerOf(l);
    expect(banner).toContain(`http://localhost:${l.functionsPort}/test-api-call`);
    expect(banner).toContain('npm run sign -w local-stack -- /customer-lookup phone=+15005550001');
    expect(banner).toContain('Ctrl-C');
    for (const prefix of ['[auth0]', '[sync]', '[api]', '[functions]'])
      expect(banner).toContain(prefix);

    const response = await fetch(`http://localhost:${l.functionsPort}/test-api-call`, {
      headers: { Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { api: { status: number } }).api.status).toBe(200);

    const pids = descendants(l.child.pid ?? -1);
    // auth0, sync, api, functions at least.
    expect(pids.length).toBeGreaterThanOrEqual(4);
    l.child.kill('SIGTERM');
    expect(await l.exit).toEqual({ code: 0, signal: null });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(l.stdout()).toContain('stopped');
  }, 120_000);

  it('stops the rest and exits non-zero, naming the part, when a part dies', async () => {
    const l = await launch();
    const banner = await bannerOf(l);
    // The default modes, said in the banner.
    expect(banner).toContain('DPoP on');
    expect(banner).toContain('Private Key JWT');
    const api = descendants(l.child.pid ?? -1).find((pid) =>
      commandLine(pid).includes('secure-api/dist/main.js'),
    );
    expect(api).toBeDefined();
    const others = descendants(l.child.pid ?? -1).filter((pid) => pid !== api);
    process.kill(api ?? -1, 'SIGKILL');
    expect((await l.exit).code).toBe(1);
    expect(l.stderr()).toMatch(/The secure-api stopped unexpectedly \(signal SIGKILL\)/);
    expect(l.stderr()).toContain('Its last lines:');
    expect(others.filter(isAlive)).toEqual([]);
  }, 120_000);

  it('LS13: an unknown LOCAL_DPOP or LOCAL_CLIENT_AUTH stops npm start before anything starts', async () => {
    for (const [name, value] of [
      ['LOCAL_DPOP', 'sometimes'],
      ['LOCAL_CLIENT_AUTH', 'password'],
    ] as const) {
      const l = await launch({ [name]: value });
      expect((await l.exit).code).toBe(1);
      expect(l.stderr()).toContain(`${name} must be`);
      expect(l.stdout()).not.toMatch(/\[(auth0|sync|api|functions)\]/);
    }
  }, 60_000);

  it('names a busy port and the variable that changes it, before starting anything', async () => {
    const busy: Server = createServer();
    const port = await new Promise<number>((resolve) => {
      busy.listen(0, '127.0.0.1', () => {
        const address = busy.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    try {
      const l = await launch({ API_PORT: String(port) });
      expect((await l.exit).code).toBe(1);
      expect(l.stderr()).toContain(`Port ${port} is already in use`);
      expect(l.stderr()).toContain(`API_PORT=${port + 1} npm start`);
      expect(l.stdout()).not.toMatch(/\[(auth0|sync|api|functions)\]/);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  }, 30_000);
});
