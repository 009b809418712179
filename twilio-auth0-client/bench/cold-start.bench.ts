// `npm run bench -w twilio-auth0-client`, first section: cold start. Every new Functions container
// loads the function before it can answer, inside Studio's 10 s budget. For each built public
// function this starts a fresh Node process, sets up the runtime's globals as
// @twilio/runtime-handler does (see bench/support/cold-load-probe.js), and measures loading the
// function: time and resident memory, median of 15 processes. Beside it, the same for axios
// alone: the floor the design imposes (every function calls Auth0 and the API through axios).
// Target, printed PASS/FAIL: each function's cold load <= 1.3 x axios alone.
// Writes bench/results/cold-start.json.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_DIR } from './support/function-runtime';

const run = promisify(execFile);
const RUNS = 15;
const TARGET_RATIO = 1.3;
const FUNCTIONS_DIR = join(PACKAGE_DIR, 'dist/functions');
const PROBE = join(PACKAGE_DIR, 'bench/support/cold-load-probe.js');
const RESULTS_FILE = join(PACKAGE_DIR, 'bench/results/cold-start.json');

interface Probe {
  loadMs: number;
  rssBytes: number;
  rssBeforeBytes: number;
  twilioEntryLoads: unknown[];
}

interface Row {
  load: string;
  loadMsMedian: number;
  rssMiBMedian: number;
  /** Resident memory the load itself added (median). */
  rssAddedMiBMedian: number;
  twilioEntryLoaded: boolean;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const mib = (bytes: number): number => bytes / 1024 / 1024;

/** The public functions as deployed (the `lib/` modules are private, loaded by them). */
function builtFunctions(): string[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((file) => file.endsWith('.js') && !file.endsWith('.private.js'))
    .map((file) => file.replace(/(\.protected)?\.js$/, ''))
    .sort();
}

async function probe(jobFile: string): Promise<Probe> {
  const { stdout } = await run(process.execPath, [PROBE, jobFile], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Probe;
}

/**
 * RUNS rounds; each round loads axios and every function once, in turn, so that the load of the
 * shared machine falls on all of them alike rather than on whichever ran during a busy spell.
 */
async function measure(loads: string[], jobDir: string): Promise<Row[]> {
  const probes = new Map<string, Probe[]>(loads.map((load) => [load, []]));
  for (const load of loads) {
    writeFileSync(
      join(jobDir, `${load}.json`),
      JSON.stringify({ functionsDir: FUNCTIONS_DIR, load, packageDir: PACKAGE_DIR }),
    );
  }
  for (let i = 0; i < RUNS; i += 1) {
    for (const load of loads) probes.get(load)!.push(await probe(join(jobDir, `${load}.json`)));
  }
  return loads.map((load) => {
    const runs = probes.get(load)!;
    return {
      load,
      loadMsMedian: median(runs.map((p) => p.loadMs)),
      rssMiBMedian: median(runs.map((p) => mib(p.rssBytes))),
      rssAddedMiBMedian: median(runs.map((p) => mib(p.rssBytes - p.rssBeforeBytes))),
      twilioEntryLoaded: runs.some((p) => p.twilioEntryLoads.length > 0),
    };
  });
}

async function main(): Promise<void> {
  process.stdout.write(
    `1. cold start: load of each built function in a fresh process, runtime globals set ` +
      `(median of ${RUNS}), node ${process.version}\n`,
  );
  const jobDir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  try {
    const [axios, ...rows] = await measure(['axios', ...builtFunctions()], jobDir);
    const functions = rows.map((row) => {
      const ratio = row.loadMsMedian / axios!.loadMsMedian;
      return { ...row, ratio, pass: ratio <= TARGET_RATIO };
    });
    const line = (row: Row) =>
      `${row.load.padEnd(16)} ${row.loadMsMedian.toFixed(1).padStart(7)} ms  ` +
      `RSS ${row.rssMiBMedian.toFixed(1).padStart(6)} MiB (+${row.rssAddedMiBMedian.toFixed(1)})`;
    process.stdout.write(`  ${line(axios!)}  (axios alone: the floor)\n`);
    for (const row of functions) {
      process.stdout.write(
        `  ${line(row)}  ${row.ratio.toFixed(2)}x axios` +
          `${row.twilioEntryLoaded ? ', loads the twilio SDK' : ''}  ` +
          `${row.pass ? 'PASS' : 'FAIL'} (<= ${TARGET_RATIO}x)\n`,
      );
    }
    const pass = functions.every((row) => row.pass);
    process.stdout.write(`  cold-start target: ${pass ? 'PASS' : 'FAIL'}\n`);
    mkdirSync(join(PACKAGE_DIR, 'bench/results'), { recursive: true });
    writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          generatedAt: new Date().toISOString(),
          node: process.version,
          runs: RUNS,
          targetRatio: TARGET_RATIO,
          axios,
          functions,
          pass,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`  written: ${RESULTS_FILE}\n`);
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cold-start bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
