// The README and the code stay in step, as the OpenAPI drift test keeps the spec in step:
// - every variable in the README's variable tables is read by the code, and every variable the
//   code reads is in a table;
// - every error code in the troubleshooting tables is one the code can produce and some test
//   asserts, and every code the code can produce is in a table;
// - every npm command in the quick start is a script that exists.
// The code side is read from the sources (the names the configuration readers are called with,
// the error code unions), so a new variable or code fails here until the README documents it.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const absolute = join(ROOT, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return filesUnder(path, keep);
    return keep(name) ? [path] : [];
  });
}

interface Table {
  header: string[];
  rows: string[][];
}

/** The README's markdown tables, each as its header cells and its rows' cells. */
function tables(markdown: string): Table[] {
  const found: Table[] = [];
  const lines = markdown.split('\n');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim());
  for (let i = 0; i + 1 < lines.length; i += 1) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1]!)) continue;
    const header = cells(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j += 1)
      rows.push(cells(lines[j]!));
    found.push({ header, rows });
    i = j - 1;
  }
  return found;
}

/** Backticked names in the first cell of the rows of tables whose first header matches. */
function firstColumnNames(headerPattern: RegExp, namePattern: RegExp): Set<string> {
  const names = new Set<string>();
  for (const table of tables(README)) {
    if (!headerPattern.test(table.header[0] ?? '')) continue;
    for (const row of table.rows) {
      for (const match of (row[0] ?? '').matchAll(/`([^`]+)`/g)) {
        if (namePattern.test(match[1]!)) names.add(match[1]!);
      }
    }
  }
  return names;
}

/** The members of a string-literal union type (`export type ErrorCode = | 'A' | 'B';`). */
function unionMembers(source: string, typeName: string): string[] {
  const body = new RegExp(`type ${typeName}\\s*=([^;]+);`).exec(source)?.[1] ?? '';
  return [...body.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

const ENV_NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;
const sourceFiles = (dir: string) =>
  filesUnder(
    dir,
    (n) => n.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(n) && !n.endsWith('.d.ts'),
  );

/** Variables the code reads, package by package. */
function variablesReadByCode(): Set<string> {
  const names = new Set<string>();
  const add = (source: string, pattern: RegExp) => {
    for (const match of source.matchAll(pattern)) {
      if (ENV_NAME.test(match[1]!)) names.add(match[1]!);
    }
  };
  // secure-api: every name in its config modules (the variable lists and the readers), and
  // what main.ts reads before validation.
  for (const file of sourceFiles('secure-api/src/config')) {
    add(read(file), /(?<!Symbol\()'([A-Z0-9_]+)'/g);
  }
  add(read('secure-api/src/main.ts'), /process\.env(?:\.|\[')([A-Z0-9_]+)/g);
  // The functions: the names their configuration reads from `context`.
  for (const file of sourceFiles('twilio-auth0-client/src/functions/lib')) {
    const source = read(file);
    add(source, /\(\s*env\s*,\s*'([A-Z0-9_]+)'/g);
    add(source, /\benv\.([A-Z0-9_]+)/g);
    add(source, /\benv\[\s*'([A-Z0-9_]+)'\s*\]/g);
  }
  // local-stack: the launcher's, the stand-ins' and the soak's switches: `process.env.X`,
  // `env.X`, `env['X']`, and any reader called with the name (`envPort('X', …)`), but not an
  // error built with a code (`new LocalStackError('X', …)`).
  for (const file of sourceFiles('local-stack/src')) {
    const source = read(file);
    add(source, /\b(?:process\.env|env)\.([A-Z0-9_]+)/g);
    add(source, /\b(?:process\.env|env)\[\s*'([A-Z0-9_]+)'\s*\]/g);
    for (const match of source.matchAll(/\b(\w+)\(\s*'([A-Z0-9_]+)'/g)) {
      if (!/Error$|^Symbol$|^super$/.test(match[1]!) && ENV_NAME.test(match[2]!))
        names.add(match[2]!);
    }
  }
  return names;
}

const codeTables = [
  {
    side: 'functions',
    header: /^function code$/i,
    codes: unionMembers(
      read('twilio-auth0-client/src/functions/lib/errors.private.ts'),
      'ErrorCode',
    ),
    tests: ['twilio-auth0-client/test', 'local-stack/test'],
  },
  {
    side: 'secure-api',
    header: /^API code$/i,
    codes: unionMembers(read('secure-api/src/errors/secure-api.error.ts'), 'ErrorCode'),
    tests: ['secure-api/test', 'secure-api/src', 'local-stack/test'],
  },
];

describe('README drift', () => {
  it('documents every variable the code reads, and reads every variable it documents', () => {
    const documented = firstColumnNames(/^variable$/i, ENV_NAME);
    const readByCode = variablesReadByCode();
    expect(documented.size).toBeGreaterThan(20);
    expect([...readByCode].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented].filter((name) => !readByCode.has(name)).sort()).toEqual([]);
  });

  it.each(codeTables)(
    'lists every $side error code in its troubleshooting table, and only those',
    (side) => {
      const documented = firstColumnNames(side.header, /^[A-Za-z_]+$/);
      expect(side.codes.length).toBeGreaterThan(5);
      expect(side.codes.filter((code) => !documented.has(code)).sort()).toEqual([]);
      expect([...documented].filter((code) => !side.codes.includes(code)).sort()).toEqual([]);
    },
  );

  it.each(codeTables)('has a test that asserts each $side error code', (side) => {
    const testSources = side.tests
      .flatMap((dir) => filesUnder(dir, (n) => /\.(spec|test|e2e-spec)\.ts$/.test(n)))
      .map(read)
      .join('\n');
    const untested = side.codes.filter(
      (code) => !new RegExp(`['"\`]${code}['"\`]`).test(testSources),
    );
    expect(untested).toEqual([]);
  });

  it('names only npm scripts that exist in the quick start', () => {
    const quickStart = /## Quick start\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';
    const scripts = (dir: string): Record<string, string> =>
      (JSON.parse(read(join(dir, 'package.json'))) as { scripts?: Record<string, string> })
        .scripts ?? {};
    const commands = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((block) => block[1]!.split('\n'))
      .flatMap((line) => [...line.replace(/#.*$/, '').matchAll(/\bnpm\s+[^|&;)]*/g)])
      .map((match) => match[0].trim());
    expect(commands.length).toBeGreaterThan(5);
    const missing = commands.filter((command) => {
      const words = command.split(/\s+/);
      if (['install', 'ci'].includes(words[1]!)) return false;
      const workspace = words.includes('-w') ? words[words.indexOf('-w') + 1]! : '.';
      const script = words[1] === 'run' ? words.slice(2).find((w) => !w.startsWith('-')) : words[1];
      return script === undefined || scripts(workspace)[script] === undefined;
    });
    expect(missing).toEqual([]);
  });
});
