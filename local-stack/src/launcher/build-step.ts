// Rebuilds the packages whose sources changed since their last build by the launcher, so that
// `npm start` is one command on a fresh clone and costs nothing extra on the next start.
// Each package's own `npm run build` does the work (it may do more than tsc).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalStackError } from '../shared/local-stack-error';

const REMEMBERED_LINES = 20;

export interface BuildOptions {
  rootDir: string;
  stateDir: string;
  packages: readonly string[];
  log: (line: string) => void;
}

/** Builds, in parallel, every package that is out of date; returns the ones it built. */
export async function buildOutOfDate(o: BuildOptions): Promise<string[]> {
  const stale: string[] = [];
  for (const pkg of o.packages) {
    if (await isOutOfDate(o.rootDir, pkg, stampFile(o.stateDir, pkg))) stale.push(pkg);
  }
  await Promise.all(stale.map((pkg) => build(o, pkg)));
  return stale;
}

function stampFile(stateDir: string, pkg: string): string {
  return join(stateDir, 'build', `${pkg}.stamp`);
}

async function isOutOfDate(rootDir: string, pkg: string, stamp: string): Promise<boolean> {
  const pkgDir = join(rootDir, pkg);
  const dist = join(pkgDir, 'dist');
  if (!existsSync(dist)) return true;
  // Built by us (the stamp holds the build's start) or by hand (`npm run build`, `npm test`):
  // either counts, so a build outside the launcher is not repeated.
  const builtAt = Math.max(
    existsSync(stamp) ? (await stat(stamp)).mtimeMs : 0,
    await newestMtime(dist),
  );
  const inputs = [
    join(rootDir, 'tsconfig.base.json'),
    join(pkgDir, 'package.json'),
    join(pkgDir, 'tsconfig.json'),
    join(pkgDir, 'tsconfig.build.json'),
  ];
  for (const file of inputs) {
    if (existsSync(file) && (await stat(file)).mtimeMs > builtAt) return true;
  }
  return (await newestMtime(join(pkgDir, 'src'))) > builtAt;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  // A deleted source file shows only in its folder's mtime.
  return Math.max(newest, (await stat(dir)).mtimeMs);
}

async function build(o: BuildOptions, pkg: string): Promise<void> {
  const startedAt = new Date();
  o.log(`building ${pkg} (sources changed since its last build)`);
  const recent: string[] = [];
  // Under `npm start`, npm_execpath is npm's own CLI: run it with this Node, no shell needed.
  const npmCli = process.env.npm_execpath;
  const [command, prefix] =
    npmCli !== undefined && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  const child = spawn(command, [...prefix, 'run', 'build', '--silent', '-w', pkg], {
    cwd: o.rootDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      recent.push(line);
      if (recent.length > REMEMBERED_LINES) recent.shift();
      o.log(`${pkg}: ${line}`);
    });
  }
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (exitCode) => resolve(exitCode));
    child.once('error', () => resolve(null));
  });
  if (code !== 0) {
    throw new LocalStackError(
      'BUILD_FAILED',
      `npm run build -w ${pkg} failed (exit ${String(code)}).` +
        (recent.length > 0 ? `\nIts last lines:\n${recent.map((l) => `  ${l}`).join('\n')}` : ''),
    );
  }
  const stamp = stampFile(o.stateDir, pkg);
  await mkdir(join(o.stateDir, 'build'), { recursive: true });
  await writeFile(stamp, `${startedAt.toISOString()}\n`);
  // Stamped with the start time: a file saved during the build triggers the next one.
  await utimes(stamp, startedAt, startedAt);
}
