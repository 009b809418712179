// The soak's verdict, as a pure function of what was measured: every failure explained by a
// fault window, every invocation answered in time, every acknowledged interaction stored once,
// token requests within rollovers + 1 plus the fetches the faults explain, 100 % success
// outside the windows, no secret in any output, bounded memory growth. The same code judges
// the 180 s run and the 20 s test; nothing here depends on timings beyond the recorded ones.
import { FAULTS, type FailureCode } from './fault-schedule';
import { type PlayedWindow } from './fault-driver';
import { type InvocationRecord } from './studio-load';

/** Twilio ends an invocation at 10 s: an answer later than that never reaches Studio. */
export const TWILIO_INVOCATION_LIMIT_MS = 10_000;
/** RSS growth allowed per process over the run: 64 MiB or half its starting size. */
export const RSS_GROWTH_FLOOR_KB = 64 * 1024;
export const RSS_GROWTH_RATIO = 0.5;
/** The token cache renews a token once 90 % of its life is over (its refresh margin). */
export const RENEWAL_FRACTION = 0.9;

/** One invocation as the function's own log line tells it (time = when the line arrived). */
export interface FunctionLogEntry {
  atMs: number;
  totalMs: number;
  events: string[];
  /** The invocation's error code; undefined when it succeeded. */
  code?: string;
}

export interface ProcessMemory {
  part: string;
  startKb: number;
  endKb: number;
}

export interface SoakMeasurements {
  records: InvocationRecord[];
  notSent: number;
  windows: PlayedWindow[];
  functionLog: FunctionLogEntry[];
  /** Token requests the Auth0 stand-in counted during the load. */
  tokenRequests: number;
  tokensIssued: number;
  /** Per second of the load: token requests the stand-in refused (requests − issued). */
  refusedPerSecond: number[];
  syncReads: number;
  syncWrites: number;
  /** Rows stored per CallSid (this run's interactions only); null when unreadable. */
  stored: Map<string, number> | null;
  tokenLifetimeS: number;
  /** The functions' FUNCTION_DEADLINE_MS: each invocation's own total must stay within it. */
  functionDeadlineMs: number;
  memory: ProcessMemory[];
  /** Where a secret was found ("functions output: client secret"); empty when none. */
  secretsFound: string[];
}

export type TokenRequestCause = 'rollover' | 'sync' | 'auth0' | 'api' | 'unexplained';

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface LatencyRow {
  label: string;
  invocations: number;
  failures: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface SoakVerdict {
  pass: boolean;
  checks: Check[];
  invocations: number;
  successes: number;
  retries: number;
  failuresByCode: Record<string, number>;
  unexplainedFailures: InvocationRecord[];
  latency: LatencyRow[];
  acknowledged: number;
  storedInteractions: number;
  acknowledgedNotStored: number;
  storedTwice: number;
  storedWithoutAcknowledgement: number;
  replayed: number;
  rollovers: number;
  tokenRequestsByCause: Record<TokenRequestCause, number>;
  /** Issued tokens that no function log line reports (counted as renewals). */
  tokenRequestsUnattributed: number;
}

function overlaps(aStartMs: number, aEndMs: number, w: PlayedWindow, tailS: number): boolean {
  const startMs = w.actualStartS * 1000;
  const endMs = (w.actualEndS + tailS) * 1000;
  return aStartMs <= endMs && aEndMs >= startMs;
}

function windowExplains(w: PlayedWindow, code: FailureCode): boolean {
  return FAULTS[w.kind].explains.includes(code);
}

/** The windows that explain a failure: its code is one the fault causes, and they overlap. */
export function explainingWindows(
  r: InvocationRecord,
  windows: readonly PlayedWindow[],
): PlayedWindow[] {
  if (r.code === null) return [];
  const code = r.code;
  return windows.filter(
    (w) => windowExplains(w, code) && overlaps(r.startMs, r.endMs, w, FAULTS[w.kind].afterEffectS),
  );
}

function inAnyFault(startMs: number, endMs: number, windows: readonly PlayedWindow[]): boolean {
  return windows.some(
    (w) =>
      FAULTS[w.kind].background !== true &&
      overlaps(startMs, endMs, w, FAULTS[w.kind].afterEffectS),
  );
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function latencyRow(label: string, records: readonly InvocationRecord[]): LatencyRow {
  const sorted = records.map((r) => r.endMs - r.startMs).sort((a, b) => a - b);
  return {
    label,
    invocations: records.length,
    failures: records.filter((r) => !r.ok).length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

/**
 * Why one logged invocation got a token from Auth0: fetched without Sync (or after waiting in
 * vain for a refresher Sync should have shown), fetched because the API refused the one in
 * hand, or a plain renewal. Null when it got none (no request, or every request refused).
 */
function issuedCause(entry: FunctionLogEntry): 'sync' | 'api' | 'rollover' | null {
  if (!entry.events.includes('token_request')) return null;
  if (entry.code?.startsWith('TOKEN_') === true || entry.events.includes('refresh_ahead_failed')) {
    return null;
  }
  if (entry.events.includes('token_rejected_by_api')) return 'api';
  const syncTrouble = ['token_fetched_without_sync', 'sync_unavailable', 'wait_gave_up'];
  if (syncTrouble.some((name) => entry.events.includes(name))) return 'sync';
  return 'rollover';
}

function explainedBy(
  cause: 'sync' | 'auth0' | 'api',
  startMs: number,
  endMs: number,
  windows: readonly PlayedWindow[],
): boolean {
  return windows.some(
    (w) =>
      FAULTS[w.kind].explainsTokenRequests === cause &&
      overlaps(startMs, endMs, w, FAULTS[w.kind].tokenAfterEffectS ?? FAULTS[w.kind].afterEffectS),
  );
}

/**
 * Token requests by cause. Refused requests (the stand-in answered 429/500 or hung) are
 * explained when their second lies in an Auth0 fault window; issued tokens are renewals unless
 * the invocation that got one says Sync or the API made it fetch (and a window explains that).
 * Everything not explained counts against the budget of rollovers + 1.
 */
export function tokenAccounting(m: SoakMeasurements): {
  byCause: Record<TokenRequestCause, number>;
  unattributed: number;
  rollovers: number;
} {
  const byCause: Record<TokenRequestCause, number> = {
    rollover: 0,
    sync: 0,
    auth0: 0,
    api: 0,
    unexplained: 0,
  };
  m.refusedPerSecond.forEach((refused, second) => {
    if (refused <= 0) return;
    // The counters are read once a second: the refusals happened in the second before.
    const explained = explainedBy('auth0', (second - 1) * 1000, (second + 1) * 1000, m.windows);
    byCause[explained ? 'auth0' : 'unexplained'] += refused;
  });
  const refusedCounted = m.refusedPerSecond.reduce((sum, n) => sum + Math.max(0, n), 0);
  // Refusals after the last sample (the load's final second) are Auth0's too if a window is open.
  const refusedLeft = Math.max(0, m.tokenRequests - m.tokensIssued - refusedCounted);
  byCause.unexplained += refusedLeft;

  let attributed = 0;
  for (const entry of m.functionLog) {
    const cause = issuedCause(entry);
    if (cause === null) continue;
    attributed += 1;
    if (cause === 'rollover') continue;
    const startMs = entry.atMs - entry.totalMs;
    // Waiting in vain for the refresher is also what an Auth0 fault does (its fetch failed).
    const explained =
      explainedBy(cause, startMs, entry.atMs, m.windows) ||
      (entry.events.includes('wait_gave_up') &&
        explainedBy('auth0', startMs, entry.atMs, m.windows));
    byCause[explained ? cause : 'unexplained'] += 1;
  }
  // Renewals are what is left of the issued tokens once the explained ones are taken out.
  const explainedIssued = byCause.sync + byCause.api;
  byCause.rollover = Math.max(0, m.tokensIssued - explainedIssued);
  const shortWindow = m.windows.find((w) => w.kind === 'short-token-lifetime');
  const shortS = shortWindow ? shortWindow.actualEndS - shortWindow.actualStartS : 0;
  const rollovers = Math.floor(shortS / (RENEWAL_FRACTION * m.tokenLifetimeS));
  return { byCause, unattributed: Math.max(0, m.tokensIssued - attributed), rollovers };
}

export function judgeSoak(m: SoakMeasurements): SoakVerdict {
  const records = m.records;
  const failures = records.filter((r) => !r.ok);
  const failuresByCode: Record<string, number> = {};
  for (const r of failures)
    failuresByCode[r.code ?? 'UNKNOWN'] = (failuresByCode[r.code ?? 'UNKNOWN'] ?? 0) + 1;
  const unexplained = failures.filter((r) => explainingWindows(r, m.windows).length === 0);
  const late = records.filter(
    (r) => r.status === null || r.endMs - r.startMs > TWILIO_INVOCATION_LIMIT_MS,
  );
  // The function's own measure, free of the caller's queueing: its answer within its deadline.
  const overDeadline = m.functionLog.filter((e) => e.totalMs > m.functionDeadlineMs);
  const outside = records.filter((r) => !inAnyFault(r.startMs, r.endMs, m.windows));
  const outsideFailed = outside.filter((r) => !r.ok);

  // Interactions: acknowledged = some attempt answered recorded:true.
  const acknowledgedSids = new Set(
    records.filter((r) => r.kind === 'interaction' && r.ok).map((r) => r.callSid!),
  );
  const stored = m.stored ?? new Map<string, number>();
  let storedRows = 0;
  let storedTwice = 0;
  let storedWithoutAck = 0;
  for (const [sid, rows] of stored) {
    storedRows += rows;
    if (rows > 1) storedTwice += rows - 1;
    if (!acknowledgedSids.has(sid)) storedWithoutAck += 1;
  }
  const ackNotStored = [...acknowledgedSids].filter((sid) => !stored.has(sid)).length;

  const tokens = tokenAccounting(m);
  const budget = tokens.rollovers + 1;
  const plainRequests = tokens.byCause.rollover + tokens.byCause.unexplained;

  const memoryOver = m.memory.filter(
    (p) => p.endKb - p.startKb > Math.max(RSS_GROWTH_FLOOR_KB, RSS_GROWTH_RATIO * p.startKb),
  );
  const windowProblems = m.windows.filter((w) => w.problem !== undefined);

  const checks: Check[] = [
    {
      name: 'every failure explained by a fault window',
      pass: unexplained.length === 0,
      detail:
        unexplained.length === 0
          ? `${failures.length} failures, all inside a window that causes their code`
          : `${unexplained.length} unexplained: ${describeFailures(unexplained)}`,
    },
    {
      name: `every invocation answered within its deadline and ${TWILIO_INVOCATION_LIMIT_MS / 1000} s`,
      pass: late.length === 0 && m.notSent === 0 && overDeadline.length === 0,
      detail:
        `slowest ${Math.max(0, ...records.map((r) => r.endMs - r.startMs))} ms at the caller, ` +
        `${Math.max(0, ...m.functionLog.map((e) => e.totalMs))} ms in the function ` +
        `(deadline ${m.functionDeadlineMs} ms); ${late.length} late or unanswered, ` +
        `${overDeadline.length} over the deadline, ${m.notSent} not sent (too many in flight)`,
    },
    {
      name: 'acknowledged interactions all stored',
      pass: m.stored !== null && ackNotStored === 0,
      detail:
        m.stored === null
          ? 'the database could not be read'
          : `${acknowledgedSids.size} acknowledged, ${ackNotStored} not stored`,
    },
    {
      name: 'no interaction stored twice',
      pass: m.stored !== null && storedTwice === 0,
      detail: `${storedTwice} duplicate rows over ${stored.size} calls`,
    },
    {
      name: 'token requests ≤ rollovers + 1, the rest explained by faults',
      pass: plainRequests <= budget,
      detail:
        `${m.tokenRequests} requests, ${m.tokensIssued} issued: ${tokens.byCause.rollover} renewals, ` +
        `${tokens.byCause.sync} direct (Sync fault), ${tokens.byCause.auth0} refused (Auth0 fault), ` +
        `${tokens.byCause.api} after an API refusal, ${tokens.byCause.unexplained} unexplained; ` +
        `budget ${budget} (${tokens.rollovers} rollovers + 1)`,
    },
    {
      name: '100 % success outside the fault windows',
      pass: outsideFailed.length === 0,
      detail: `${outside.length - outsideFailed.length}/${outside.length} outside the windows`,
    },
    {
      name: 'no secret, token or private key in any output',
      pass: m.secretsFound.length === 0,
      detail: m.secretsFound.length === 0 ? 'none found' : m.secretsFound.join('; '),
    },
    {
      name: `RSS growth ≤ max(${RSS_GROWTH_FLOOR_KB / 1024} MiB, ${RSS_GROWTH_RATIO * 100} %) per process`,
      pass: memoryOver.length === 0 && m.memory.length > 0,
      detail: m.memory.map((p) => `${p.part} ${mib(p.startKb)}→${mib(p.endKb)} MiB`).join(', '),
    },
    {
      name: 'every fault applied as scheduled',
      pass: windowProblems.length === 0,
      detail:
        windowProblems.length === 0
          ? `${m.windows.length} windows`
          : windowProblems.map((w) => `${w.id}: ${w.problem ?? ''}`).join('; '),
    },
  ];

  const latency: LatencyRow[] = [
    latencyRow('outside windows', outside),
    ...m.windows.map((w) =>
      latencyRow(
        w.id,
        records.filter((r) => overlaps(r.startMs, r.endMs, w, 0)),
      ),
    ),
  ];

  return {
    pass: checks.every((c) => c.pass),
    checks,
    invocations: records.length,
    successes: records.length - failures.length,
    retries: records.filter((r) => r.attempt > 1).length,
    failuresByCode,
    unexplainedFailures: unexplained,
    latency,
    acknowledged: acknowledgedSids.size,
    storedInteractions: storedRows,
    acknowledgedNotStored: ackNotStored,
    storedTwice,
    storedWithoutAcknowledgement: storedWithoutAck,
    replayed: records.filter((r) => r.replayed === true).length,
    rollovers: tokens.rollovers,
    tokenRequestsByCause: tokens.byCause,
    tokenRequestsUnattributed: tokens.unattributed,
  };
}

function describeFailures(records: readonly InvocationRecord[]): string {
  return records
    .slice(0, 5)
    .map(
      (r) =>
        `${r.code ?? '?'} (${r.kind}, ${(r.startMs / 1000).toFixed(1)}–${(r.endMs / 1000).toFixed(1)} s)`,
    )
    .join(', ')
    .concat(records.length > 5 ? ', …' : '');
}

function mib(kb: number): string {
  return (kb / 1024).toFixed(0);
}
