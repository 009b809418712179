// `npm run soak`: the whole local system for SOAK_SECONDS (default 180) under SOAK_RATE
// signed Studio calls per second (default 20) and a fixed schedule of overlapping faults; prints
// the schedule, then the one-screen table and PASS or FAIL (exit code 0 or 1), and writes the
// JSON result and the chart to SOAK_OUTPUT_DIR (default .local-stack/soak).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStackError } from '../shared/local-stack-error';
import { defaultRootDir } from '../launcher/system';
import { renderSoakChart } from './soak-chart';
import { describeSchedule, faultSchedule, shortTokenLifetimeS } from './fault-schedule';
import { runSoak, chooseDatabase, type DatabaseChoice } from './run-soak';
import { soakTable } from './soak-report';

function positiveNumber(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new LocalStackError('INVALID_OPTION', `${name} must be a number above 0, at most ${max}`);
  }
  return value;
}

function databaseChoice(): DatabaseChoice {
  const raw = process.env.SOAK_DATABASE ?? 'auto';
  if (raw === 'auto' || raw === 'sqlite' || raw === 'postgres') return raw;
  throw new LocalStackError('INVALID_OPTION', 'SOAK_DATABASE must be auto, sqlite or postgres');
}

async function main(): Promise<number> {
  const seconds = positiveNumber('SOAK_SECONDS', 180, 3600);
  const rate = positiveNumber('SOAK_RATE', 20, 200);
  const variant = process.env.SOAK_SCHEDULE === 'short' ? 'short' : 'full';
  const database = databaseChoice();
  const rootDir = defaultRootDir();
  const outputDir = process.env.SOAK_OUTPUT_DIR ?? join(rootDir, '.local-stack', 'soak');
  const say = (line: string): void => void process.stdout.write(`[soak] ${line}\n`);

  const postgres = chooseDatabase(database, rootDir).kind === 'postgres';
  say(
    `${seconds} s at ${rate} invocations/s; fault schedule (seconds from the start of the load):`,
  );
  for (const line of describeSchedule(faultSchedule({ seconds, postgres, variant })))
    say(`  ${line}`);
  say(`  (short token lifetime: ${shortTokenLifetimeS(variant)} s)`);

  const result = await runSoak({
    seconds,
    rate,
    variant,
    database,
    forkPerInvocation: process.env.SOAK_FORK_PER_INVOCATION === 'true',
    rootDir,
    log: say,
    ...(process.env.SOAK_VERBOSE === 'true'
      ? { partOutput: (part, line) => void process.stdout.write(`[${part}] ${line}\n`) }
      : {}),
  });
  await mkdir(outputDir, { recursive: true });
  const jsonPath = join(outputDir, 'soak-result.json');
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  const chartPath =
    process.env.UPDATE_README_IMAGES === 'true'
      ? join(rootDir, 'readme_images', 'soak.png')
      : join(outputDir, 'soak.png');
  try {
    await renderSoakChart(result, chartPath);
  } catch (error) {
    say(`chart not rendered: ${String(error)}`);
  }
  process.stdout.write(`\n${soakTable(result)}\n\n`);
  say(`result: ${jsonPath}`);
  say(`chart: ${chartPath}`);
  return result.verdict.pass ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    console.error(
      `[soak] ${error instanceof LocalStackError ? error.message : `failed: ${String(error)}`}`,
    );
    process.exit(1);
  },
);
