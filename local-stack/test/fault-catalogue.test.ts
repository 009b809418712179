// The fault catalogue (docs/fault-catalogue/*.md) and the tests stay in step: every case cites
// test files that hold a test named by its ID, IDs are unique, and no test title names an ID that
// the catalogue does not list. A case without a test, or a test for an unlisted case, fails here.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CATALOGUE = join(ROOT, 'docs', 'fault-catalogue');
const TEST_ROOTS = [
  'local-stack/test',
  'secure-api/test',
  'secure-api/src',
  'twilio-auth0-client/test',
];
const ID = /^[A-Z]{1,3}\d{1,3}$/;

interface CatalogueCase {
  id: string;
  file: string;
  tests: string[];
}

function catalogueCases(): CatalogueCase[] {
  const cases: CatalogueCase[] = [];
  for (const name of readdirSync(CATALOGUE).filter((n) => n.endsWith('.md') && n !== 'README.md')) {
    for (const line of readFileSync(join(CATALOGUE, name), 'utf8').split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      // A table row is "| ID | case | expected | tests |": cells[0] and the last cell are empty.
      const id = cells[1] ?? '';
      if (!ID.test(id)) continue;
      const tests = [...(cells[cells.length - 2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      cases.push({ id, file: name, tests });
    }
  }
  return cases;
}

function testFiles(dir: string): string[] {
  const absolute = join(ROOT, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    const path = join(absolute, name);
    if (statSync(path).isDirectory()) return testFiles(relative(ROOT, path));
    return /\.(test|spec|e2e-spec)\.ts$/.test(name) ? [path] : [];
  });
}

/**
 * IDs that start a quoted test title: `it('A3: …'`, `describe("D37 …"`, `it.each(…)('F47: …'`,
 * or a conditional `it` named itSomething (`itWithOwnedCluster('DB18: …'`).
 */
function titledIds(source: string): Set<string> {
  const ids = new Set<string>();
  for (const match of source.matchAll(
    /\b(?:it|test|describe|it[A-Z]\w*)(?:\.each\b[\s\S]{0,2000}?\))?\(\s*['"`]([A-Z]{1,3}\d{1,3})(?=[:, ])/g,
  )) {
    ids.add(match[1]!);
  }
  return ids;
}

const cases = catalogueCases();

describe('fault catalogue', () => {
  it('lists cases', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it('has no ID twice', () => {
    const seen = new Map<string, string>();
    const twice = cases.filter((c) => {
      const first = seen.get(c.id);
      seen.set(c.id, c.file);
      return first !== undefined;
    });
    expect(twice.map((c) => `${c.id} (${c.file})`)).toEqual([]);
  });

  it('cites, for every case, existing test files that each hold a test titled with its ID', () => {
    const missing: string[] = [];
    for (const c of cases) {
      if (c.tests.length === 0) missing.push(`${c.id}: no test file cited`);
      for (const test of c.tests) {
        const path = join(ROOT, test);
        if (!existsSync(path)) missing.push(`${c.id}: ${test} does not exist`);
        else if (!titledIds(readFileSync(path, 'utf8')).has(c.id)) {
          missing.push(`${c.id}: no test titled "${c.id}: …" in ${test}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists every ID that a test title names', () => {
    const listed = new Set(cases.map((c) => c.id));
    const unlisted: string[] = [];
    for (const file of TEST_ROOTS.flatMap(testFiles)) {
      for (const id of titledIds(readFileSync(file, 'utf8'))) {
        if (!listed.has(id)) unlisted.push(`${id} in ${relative(ROOT, file)}`);
      }
    }
    expect(unlisted).toEqual([]);
  });
});
