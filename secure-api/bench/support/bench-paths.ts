// Where the bench reads and writes, found from the compiled file's location (dist/bench/...).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'secure-api') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the secure-api package directory');
    dir = parent;
  }
}

export const PACKAGE_DIR = findPackageDir();
export const REPO_DIR = dirname(PACKAGE_DIR);
export const RESULTS_FILE = join(PACKAGE_DIR, 'bench/results/latest.json');
export const FUNCTION_SIDE_RESULTS_FILE = join(
  REPO_DIR,
  'twilio-auth0-client/bench/results/latest.json',
);
export const README_FILE = join(REPO_DIR, 'README.md');
