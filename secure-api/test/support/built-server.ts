// Runs the compiled server (`node dist/main.js`) as a real child process. Builds dist first
// when it is missing or older than a source file, so the spec works on a fresh clone too.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN_JS = join(PACKAGE_DIR, 'dist', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(MAIN_JS).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestMtime(join(PACKAGE_DIR, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(PACKAGE_DIR, '../node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: PACKAGE_DIR,
      stdio: 'pipe',
    },
  );
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: PATH only, plus what the test passes (no developer .env leaks in). */
export function serverEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, NODE_ENV: 'test', ...vars };
}

export interface RunningServer {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exited>;
}

export function startServer(env: NodeJS.ProcessEnv): RunningServer {
  // secure-api/.env, if a developer has one, is read too but never overrides what is set
  // here: tests set every variable they care about, '' included.
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd: PACKAGE_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exited>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves with the URL from the `listening` line, or rejects if the process exits first. */
export async function waitForListening(server: RunningServer): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      for (const line of server.stdout().split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          server.child.stdout?.off('data', check);
          resolve(entry.url);
          return;
        }
      }
    };
    server.child.stdout?.on('data', check);
    void server.exited.then((exit) =>
      reject(new Error(`server exited early (${exit.code}): ${exit.stderr}`)),
    );
  });
}
