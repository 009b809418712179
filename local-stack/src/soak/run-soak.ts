// One soak run: starts the whole system with the launcher's own startSystem (on PostgreSQL when
// one is available and secure-api reads DATABASE_URL, otherwise SQLite), plays the fault
// schedule while the virtual Studio callers run, then collects the counts (stand-in counters,
// the functions' log lines, the database, RSS) and judges them. Used by `npm run soak` and by
// the 20-second test.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PartName } from '../launcher/parts';
import { type SecurityModes } from '../launcher/security-modes';
import { defaultRootDir, startSystem, type RunningSystem } from '../launcher/system';
import { FaultDriver, readCounters, type PlayedWindow } from './fault-driver';
import { faultSchedule, shortTokenLifetimeS, type FaultWindow } from './fault-schedule';
import { MemorySampler } from './process-memory';
import {
  postgresInstalled,
  startPostgresCluster,
  type PostgresCluster,
} from '../postgres/postgres-cluster';
import { SecretScanner, secretsOfEnvFile } from './secret-scan';
import {
  judgeSoak,
  type FunctionLogEntry,
  type ProcessMemory,
  type SoakVerdict,
} from './soak-verdict';
import { storedInteractions, type StoredSource } from './stored-interactions';
import { runStudioLoad, type InvocationRecord } from './studio-load';

export type DatabaseChoice = 'auto' | 'sqlite' | 'postgres';

export interface SoakOptions {
  seconds: number;
  rate: number;
  variant: 'full' | 'short';
  database: DatabaseChoice;
  /**
   * twilio-run forks a new Node process for every invocation (about 0.5 s of CPU each here),
   * which a small machine does not sustain at 20/s, and in-process it clears the require cache
   * per request (live reload), which grows its memory by megabytes per invocation. By default
   * the soak therefore runs the functions in twilio-run's own process with modules kept
   * (`--no-fork-process --no-live`), like one warm Twilio container. True keeps the fork.
   */
  forkPerInvocation?: boolean;
  rootDir?: string;
  /** Progress lines (the schedule, window starts and ends). */
  log?: (line: string) => void;
  /** Every output line of every part (default: kept for the secrets scan only). */
  partOutput?: (part: PartName, line: string) => void;
}

export interface PerSecond {
  second: number;
  invocations: number;
  failures: number;
  p99Ms: number | null;
  tokenRequests: number;
}

export interface SoakResult {
  startedAt: string;
  settings: {
    seconds: number;
    rate: number;
    variant: 'full' | 'short';
    database: 'sqlite' | 'postgres';
    databaseReason: string;
    tokenLifetimeS: number;
    functionDeadlineMs: number;
    forkPerInvocation: boolean;
    /** DPoP and client authentication, as the launcher ran them. */
    modes: SecurityModes;
  };
  windows: PlayedWindow[];
  counters: {
    auth0: { tokenRequests: number; tokensIssued: number; jwksRequests: number };
    sync: { reads: number; writes: number; requests: number; conflicts: number };
  };
  verdict: SoakVerdict;
  perSecond: PerSecond[];
  records: InvocationRecord[];
  /** RSS of each long-lived process at the start and the end (a restarted one: since its restart). */
  memory: ProcessMemory[];
  /** The functions' own account of each invocation (events, total time). */
  functionLog: FunctionLogEntry[];
  refusedPerSecond: number[];
}

/** The functions' deadline in the soak: the default, as deployed. */
const FUNCTION_DEADLINE_MS = 8000;
const PARTS: readonly PartName[] = ['auth0', 'sync', 'api', 'functions'];

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? ((): void => {});
  const rootDir = o.rootDir ?? defaultRootDir();
  const database = chooseDatabase(o.database, rootDir);
  log(`database: ${database.kind} (${database.reason})`);
  const stateDir = mkdtempSync(join(tmpdir(), 'soak-'));
  let cluster: PostgresCluster | null = null;
  let system: RunningSystem | undefined;
  const captured: Array<[PartName, string]> = [];
  const functionLog: FunctionLogEntry[] = [];
  let loadStartedAt = Number.POSITIVE_INFINITY;
  try {
    if (database.kind === 'postgres')
      cluster = await startPostgresCluster({ database: 'soak', directoryPrefix: 'soak-postgres-' });
    system = await startSystem({
      rootDir,
      stateDir,
      enableControl: true,
      functionDeadlineMs: FUNCTION_DEADLINE_MS,
      ...(cluster === null ? {} : { extraEnvironment: { api: { DATABASE_URL: cluster.url } } }),
      ...(o.forkPerInvocation === true
        ? {}
        : { extraArguments: { functions: ['--no-fork-process', '--no-live'] } }),
      output: (part, line) => {
        captured.push([part, line]);
        o.partOutput?.(part, line);
        if (part === 'functions') {
          const entry = functionLogEntry(line, Date.now() - loadStartedAt);
          if (entry) functionLog.push(entry);
        }
      },
    });
    const running = system;
    const scanner = new SecretScanner(secretsOfEnvFile(system.config.functionsEnvFile));
    const windows: FaultWindow[] = faultSchedule({
      seconds: o.seconds,
      postgres: cluster !== null,
      variant: o.variant,
    });
    const tokenLifetimeS = shortTokenLifetimeS(o.variant);
    const memory = new MemorySampler(PARTS, (part) => running.pidOf(part));
    const driver = new FaultDriver({
      system,
      windows,
      tokenLifetimeS,
      postgres: cluster,
      log,
      onRestarted: (part) => memory.rebase(part),
    });
    memory.sample();
    await fetch(`${system.urls.auth0}__control/reset`, { method: 'POST' });
    await fetch(`${system.urls.sync}/__control/reset`, { method: 'POST' });

    const abort = new AbortController();
    void system.failure.then((failure) => {
      log(failure.message);
      abort.abort();
    });
    const perSecondTokens: number[] = [];
    const refusedPerSecond: number[] = [];
    let last = { tokenRequests: 0, tokensIssued: 0 };
    const sampler = setInterval(() => {
      memory.sample();
      void readCounters<typeof last>(running.urls.auth0)
        .then((c) => {
          const requests = c.tokenRequests - last.tokenRequests;
          perSecondTokens.push(requests);
          refusedPerSecond.push(requests - (c.tokensIssued - last.tokensIssued));
          last = c;
        })
        .catch(() => {
          perSecondTokens.push(0);
          refusedPerSecond.push(0);
        });
    }, 1000);

    const runId = `soak-${randomBytes(4).toString('hex')}`;
    // The load and the schedule share one clock.
    loadStartedAt = await driver.start();
    const load = await runStudioLoad({
      functionsUrl: system.urls.functions,
      authToken: system.config.twilio.authToken,
      rate: o.rate,
      seconds: o.seconds,
      rateFactor: driver.rateFactor,
      runId,
      onResponseText: (text) => scanner.scan('function answers', text),
      signal: abort.signal,
      startedAt: loadStartedAt,
    });
    const played = await driver.finish();
    clearInterval(sampler);
    memory.sample();

    const auth0 = await readCounters<SoakResult['counters']['auth0']>(system.urls.auth0);
    const sync = await readCounters<SoakResult['counters']['sync']>(system.urls.sync);
    const source: StoredSource =
      cluster === null
        ? { kind: 'sqlite', path: system.config.databasePath, rootDir }
        : { kind: 'postgres', cluster };
    let stored: Map<string, number> | null = null;
    try {
      stored = await storedInteractions(source, runId);
    } catch (error) {
      log(`cannot read the stored interactions: ${String(error)}`);
    }
    for (const [part, line] of captured) scanner.scan(`${part} output`, line);

    const memoryResult = memory.result();
    const verdict = judgeSoak({
      records: load.records,
      notSent: load.notSent,
      windows: played,
      functionLog,
      tokenRequests: auth0.tokenRequests,
      tokensIssued: auth0.tokensIssued,
      refusedPerSecond,
      syncReads: sync.reads,
      syncWrites: sync.writes,
      stored,
      tokenLifetimeS,
      functionDeadlineMs: FUNCTION_DEADLINE_MS,
      memory: memoryResult,
      secretsFound: scanner.results(),
    });
    return {
      startedAt: new Date(loadStartedAt).toISOString(),
      settings: {
        seconds: o.seconds,
        rate: o.rate,
        variant: o.variant,
        database: database.kind,
        databaseReason: database.reason,
        tokenLifetimeS,
        functionDeadlineMs: FUNCTION_DEADLINE_MS,
        forkPerInvocation: o.forkPerInvocation === true,
        modes: running.config.modes,
      },
      windows: played,
      counters: { auth0, sync },
      verdict,
      perSecond: perSecondSeries(load.records, perSecondTokens, o.seconds),
      records: load.records,
      memory: memoryResult,
      functionLog,
      refusedPerSecond,
    };
  } finally {
    await system?.stop();
    await cluster?.remove();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** A functions output line holding an invocation's JSON log line, or undefined. */
export function functionLogEntry(line: string, atMs: number): FunctionLogEntry | undefined {
  const start = line.indexOf('{"fn":');
  if (start < 0) return undefined;
  try {
    const record = JSON.parse(line.slice(start)) as {
      code?: unknown;
      events?: unknown;
      timings?: { totalMs?: unknown };
    };
    const events = Array.isArray(record.events)
      ? record.events.filter((e): e is string => typeof e === 'string')
      : [];
    const totalMs = typeof record.timings?.totalMs === 'number' ? record.timings.totalMs : 0;
    return {
      atMs,
      totalMs,
      events,
      ...(typeof record.code === 'string' ? { code: record.code } : {}),
    };
  } catch {
    return undefined;
  }
}

function perSecondSeries(
  records: readonly InvocationRecord[],
  tokens: readonly number[],
  seconds: number,
): PerSecond[] {
  const last = Math.max(seconds, ...records.map((r) => Math.floor(r.startMs / 1000)));
  const series: PerSecond[] = [];
  for (let s = 0; s <= last; s++) {
    const inSecond = records.filter((r) => Math.floor(r.startMs / 1000) === s);
    const latencies = inSecond.map((r) => r.endMs - r.startMs).sort((a, b) => a - b);
    series.push({
      second: s,
      invocations: inSecond.length,
      failures: inSecond.filter((r) => !r.ok).length,
      p99Ms:
        latencies.length === 0
          ? null
          : latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]!,
      tokenRequests: tokens[s] ?? 0,
    });
  }
  return series;
}

/**
 * PostgreSQL when asked, or (auto) when its binaries are here and the built secure-api reads
 * DATABASE_URL; SQLite otherwise. The reason is printed and kept in the result.
 */
export function chooseDatabase(
  choice: DatabaseChoice,
  rootDir: string,
): { kind: 'sqlite' | 'postgres'; reason: string } {
  if (choice === 'sqlite') return { kind: 'sqlite', reason: 'SOAK_DATABASE=sqlite' };
  if (choice === 'postgres') return { kind: 'postgres', reason: 'SOAK_DATABASE=postgres' };
  if (!postgresInstalled()) return { kind: 'sqlite', reason: 'PostgreSQL is not installed' };
  if (!apiReadsDatabaseUrl(rootDir)) {
    return { kind: 'sqlite', reason: 'the built secure-api does not read DATABASE_URL' };
  }
  return { kind: 'postgres', reason: 'PostgreSQL installed and secure-api reads DATABASE_URL' };
}

/** Whether secure-api's compiled configuration or database code mentions DATABASE_URL. */
function apiReadsDatabaseUrl(rootDir: string): boolean {
  return ['config', 'database'].some((folder) => {
    const dir = join(rootDir, 'secure-api', 'dist', folder);
    if (!existsSync(dir)) return false;
    return readdirSync(dir)
      .filter((name) => name.endsWith('.js'))
      .some((name) => readFileSync(join(dir, name), 'utf8').includes('DATABASE_URL'));
  });
}
