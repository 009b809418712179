// The soak's fault schedule: which fault starts and ends when (seconds from the start of the
// load), and which function error codes each fault explains. Fixed and printed before the run,
// so that two runs face the same faults; windows overlap on purpose, as in production.

/** The function error codes (twilio-auth0-client's FunctionError codes) plus the soak's own. */
export type FailureCode =
  | 'TOKEN_RATE_LIMITED'
  | 'TOKEN_ENDPOINT_UNAVAILABLE'
  | 'TOKEN_REQUEST_REJECTED'
  | 'TOKEN_RESPONSE_INVALID'
  | 'API_UNAVAILABLE'
  | 'API_UNAUTHORIZED'
  | 'API_FORBIDDEN'
  | 'API_ERROR'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL_ERROR'
  | 'CONFIG_INVALID'
  | 'BAD_REQUEST'
  | 'SIGNATURE_INVALID'
  | 'NOT_FOUND'
  /** No HTTP answer at all (connection refused or reset, or the caller's own timeout). */
  | 'NO_ANSWER'
  /** A 200 whose body is not what the call must answer (e.g. a known number not found). */
  | 'WRONG_ANSWER';

export type FaultKind =
  | 'short-token-lifetime'
  | 'sync-unavailable'
  | 'sync-slow'
  | 'auth0-rate-limit'
  | 'auth0-error'
  | 'auth0-hang'
  | 'key-rotation'
  | 'jwks-unreachable'
  | 'api-restart'
  | 'postgres-restart'
  | 'burst';

export interface FaultWindow {
  /** Short name used in the table and the chart (`W3`). */
  id: string;
  kind: FaultKind;
  startS: number;
  endS: number;
}

export interface FaultDescription {
  title: string;
  /** The failure codes this fault may cause (a failure outside such a window is a defect). */
  explains: readonly FailureCode[];
  /**
   * How long the fault's effect lasts after it ends, for a documented reason (a cooldown, a
   * rate-limit reset). Failures inside that tail are still explained by it.
   */
  afterEffectS: number;
  /** Whether this fault explains direct token fetches / token retries (see token accounting). */
  explainsTokenRequests: 'sync' | 'auth0' | 'api' | null;
  /** How long it still explains token requests after it ends; default afterEffectS. */
  tokenAfterEffectS?: number;
  /** A setting over the whole run rather than a fault: "outside the windows" ignores it. */
  background?: boolean;
}

/** Token lifetime during the `short-token-lifetime` window of the full run (seconds). */
export const SHORT_TOKEN_LIFETIME_S = 20;
/** The stand-in's default lifetime, restored when the window ends. */
export const DEFAULT_TOKEN_LIFETIME_S = 86_400;
export const SYNC_SLOW_DELAY_MS = 3000;
export const RATE_LIMIT_RESET_S = 5;
export const BURST_FACTOR = 5;
/** How long the functions' token cache leaves Sync alone after a Sync failure. */
export const SYNC_DOWN_BACKOFF_S = 30;

export const FAULTS: Readonly<Record<FaultKind, FaultDescription>> = {
  'short-token-lifetime': {
    title: 'short token lifetime (rollovers)',
    explains: [],
    afterEffectS: 0,
    explainsTokenRequests: null,
    background: true,
  },
  'sync-unavailable': {
    title: 'Sync answers 503',
    explains: [],
    afterEffectS: 1,
    // After a failed Sync call the functions skip Sync for 30 s (the token cache's
    // SYNC_DOWN_BACKOFF_MS) and fetch directly when their memory holds no usable token.
    tokenAfterEffectS: SYNC_DOWN_BACKOFF_S + 1,
    explainsTokenRequests: 'sync',
  },
  'sync-slow': {
    title: `Sync slow (${SYNC_SLOW_DELAY_MS / 1000} s)`,
    explains: ['DEADLINE_EXCEEDED'],
    afterEffectS: SYNC_SLOW_DELAY_MS / 1000 + 1,
    // A read slower than the cache's cap counts as Sync down: the same 30 s without Sync.
    tokenAfterEffectS: SYNC_DOWN_BACKOFF_S + SYNC_SLOW_DELAY_MS / 1000 + 1,
    explainsTokenRequests: 'sync',
  },
  'auth0-rate-limit': {
    title: `Auth0 429 (reset ${RATE_LIMIT_RESET_S} s)`,
    explains: ['TOKEN_RATE_LIMITED', 'DEADLINE_EXCEEDED'],
    afterEffectS: RATE_LIMIT_RESET_S + 1,
    explainsTokenRequests: 'auth0',
  },
  'auth0-error': {
    title: 'Auth0 500',
    explains: ['TOKEN_ENDPOINT_UNAVAILABLE'],
    afterEffectS: 1,
    explainsTokenRequests: 'auth0',
  },
  'auth0-hang': {
    title: 'Auth0 hangs',
    explains: ['TOKEN_ENDPOINT_UNAVAILABLE', 'DEADLINE_EXCEEDED'],
    afterEffectS: 1,
    explainsTokenRequests: 'auth0',
  },
  'key-rotation': {
    title: 'Auth0 key rotation',
    explains: [],
    afterEffectS: 0,
    explainsTokenRequests: null,
  },
  'jwks-unreachable': {
    title: 'key set unreachable',
    // secure-api answers 503 jwks_unavailable (Retry-After: 2) for a kid it cannot fetch; after
    // a failed fetch an unknown kid is retried once the 2 s failure backoff has passed.
    explains: ['API_UNAVAILABLE'],
    afterEffectS: 3,
    explainsTokenRequests: null,
  },
  'api-restart': {
    title: 'secure-api SIGTERM + restart',
    explains: ['API_UNAVAILABLE'],
    afterEffectS: 1,
    explainsTokenRequests: null,
  },
  'postgres-restart': {
    title: 'PostgreSQL restart',
    explains: ['API_UNAVAILABLE'],
    afterEffectS: 1,
    explainsTokenRequests: null,
  },
  burst: {
    title: `burst ×${BURST_FACTOR}`,
    explains: [],
    afterEffectS: 0,
    explainsTokenRequests: null,
  },
};

/** The schedule of `npm run soak` for 180 s; other durations scale it. */
const FULL_180: ReadonlyArray<Omit<FaultWindow, 'id'>> = [
  { kind: 'short-token-lifetime', startS: 0, endS: 170 },
  { kind: 'sync-unavailable', startS: 15, endS: 30 },
  { kind: 'auth0-rate-limit', startS: 25, endS: 45 },
  { kind: 'sync-slow', startS: 50, endS: 62 },
  { kind: 'auth0-error', startS: 58, endS: 72 },
  { kind: 'api-restart', startS: 82, endS: 90 },
  { kind: 'burst', startS: 98, endS: 106 },
  { kind: 'jwks-unreachable', startS: 112, endS: 130 },
  { kind: 'key-rotation', startS: 116, endS: 117 },
  { kind: 'auth0-hang', startS: 138, endS: 148 },
  { kind: 'postgres-restart', startS: 155, endS: 160 },
];

/**
 * The 20-second schedule of the test: every fault, shorter, still overlapping, with quiet
 * seconds between them so that "outside the windows" is measured too.
 */
const SHORT_20: ReadonlyArray<Omit<FaultWindow, 'id'>> = [
  { kind: 'short-token-lifetime', startS: 0, endS: 20 },
  { kind: 'sync-unavailable', startS: 2, endS: 4 },
  { kind: 'auth0-rate-limit', startS: 3, endS: 5 },
  { kind: 'api-restart', startS: 7, endS: 8 },
  { kind: 'jwks-unreachable', startS: 12, endS: 14 },
  { kind: 'key-rotation', startS: 12.5, endS: 13 },
  { kind: 'auth0-error', startS: 13, endS: 15 },
  { kind: 'sync-slow', startS: 16, endS: 17 },
  { kind: 'auth0-hang', startS: 16, endS: 17 },
  { kind: 'postgres-restart', startS: 17, endS: 18 },
  { kind: 'burst', startS: 18, endS: 19 },
];

export interface ScheduleOptions {
  seconds: number;
  /** PostgreSQL restarts only make sense when secure-api runs on PostgreSQL. */
  postgres: boolean;
  /** `short`: the test's 20-second schedule (scaled if `seconds` differs). */
  variant: 'full' | 'short';
}

export function faultSchedule(o: ScheduleOptions): FaultWindow[] {
  const base = o.variant === 'short' ? SHORT_20 : FULL_180;
  const scale = o.seconds / (o.variant === 'short' ? 20 : 180);
  return base
    .filter((w) => o.postgres || w.kind !== 'postgres-restart')
    .map((w, i) => ({
      id: `W${i + 1}`,
      kind: w.kind,
      startS: round1(w.startS * scale),
      endS: round1(Math.max(w.endS * scale, w.startS * scale + 0.5)),
    }));
}

/** The token lifetime the schedule asks for: shorter in the short run so several rollovers fit. */
export function shortTokenLifetimeS(variant: 'full' | 'short'): number {
  return variant === 'short' ? 8 : SHORT_TOKEN_LIFETIME_S;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** One line per window, as printed before the run. */
export function describeSchedule(windows: readonly FaultWindow[]): string[] {
  return windows.map(
    (w) =>
      `${w.id.padEnd(4)} ${String(w.startS).padStart(6)}–${String(w.endS).padEnd(6)} s  ${FAULTS[w.kind].title}`,
  );
}
