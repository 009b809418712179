// secure-api's runtime dependencies are exactly what its source imports, plus the peer
// dependencies its frameworks load for it. An unused package (or one only a benchmark
// imports) in `dependencies` ships to production for nothing.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as PackageJson;
const dependencies = Object.keys(manifest.dependencies ?? {});
const requireHere = createRequire(join(PACKAGE_DIR, 'package.json'));

/** Packages not imported by our source, each loaded by the framework package named. */
const LOADED_BY: Readonly<Record<string, string>> = {
  '@fastify/static': '@nestjs/swagger', // serves the Swagger UI's files on Fastify
  'reflect-metadata': '@nestjs/core',
  rxjs: '@nestjs/core',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The package names the production source imports (static and dynamic imports). */
function importedPackages(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(PACKAGE_DIR, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^'.][^']*)'/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return names;
}

describe('package dependencies', () => {
  it('AH15: every runtime dependency is imported by src or loaded by a framework that peers on it', () => {
    const imported = importedPackages();
    for (const name of dependencies) {
      if (imported.has(name)) continue;
      const loader = LOADED_BY[name];
      expect(`${name} loaded by ${String(loader)}`).toBe(`${name} loaded by ${loader}`);
      const peers = (requireHere(`${loader}/package.json`) as PackageJson).peerDependencies ?? {};
      expect(`${loader} peers on ${name}: ${String(name in peers)}`).toBe(
        `${loader} peers on ${name}: true`,
      );
    }
    for (const name of imported)
      expect(`${name} in dependencies`).toBe(
        `${dependencies.includes(name) ? name : 'MISSING'} in dependencies`,
      );
  });

  it('AH16: @nestjs/config is gone and jsonwebtoken is a devDependency (only the bench imports it)', () => {
    expect(dependencies).not.toContain('@nestjs/config');
    expect(dependencies).not.toContain('jsonwebtoken');
    expect(Object.keys(manifest.devDependencies ?? {})).toContain('jsonwebtoken');
    expect(importedPackages().has('jsonwebtoken')).toBe(false);
  });
});
