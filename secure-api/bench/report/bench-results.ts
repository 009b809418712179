// The shape of bench/results/latest.json: every figure of one `npm run bench`, from which the
// console table and the README's Performance section are made.

export interface MachineDescription {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  /** 1-minute load average when the run started (other work on the machine skews figures). */
  loadAverageAtStart: number;
  /** Which cores the servers and the load generator ran on. */
  cpuPinning: string;
}

export interface ThroughputRow {
  id: 'node-http' | 'unguarded' | 'ours' | 'stock' | 'express-oauth2-jwt-bearer';
  label: string;
  connections: number;
  /** Median of the rounds' req/s. */
  requestsPerSecond: number;
  /** Each round's req/s, in round order (route order alternates between rounds). */
  roundRequestsPerSecond: number[];
  p50Ms: number;
  p99Ms: number;
  /**
   * Responses per CPU-second of the server process: what the route costs, whatever else the
   * shared machine was doing (equals req/s when the server has a core to itself and is busy).
   */
  requestsPerCpuSecond: number;
  /** Responses that were not 2xx, plus socket errors/timeouts (0 in a sound run). */
  failures: number;
}

/** A row of the DPoP section (section 6): the same figures as a throughput row. */
export interface DpopRow extends Omit<ThroughputRow, 'id'> {
  id: 'ours-dpop' | 'ours-bearer' | 'express-dpop';
}

export interface DpopFigures {
  rows: DpopRow[];
  connections: number;
  rounds: number;
  runSeconds: number;
  /** Distinct proofs made before the runs. */
  proofs: number;
  proofsUsedByOurs: number;
  /** True when secure-api was sent more requests than there were proofs (replays: failures). */
  proofPoolExhausted: boolean;
  /** crypto.verify ES256 on the proofs, one core of the bench process. */
  es256VerifyFloorPerSecond: number;
}

export interface VerifyRow {
  id: string;
  label: string;
  opsPerSecond: number;
  microsPerOp: number;
}

export interface MemoryFigures {
  rssBeforeLoadMb: number;
  rssAfterLoadMb: number;
  rssAfterHalfFloodMb: number;
  rssAfterFloodMb: number;
  heapUsedBeforeLoadMb: number;
  heapUsedAfterLoadMb: number;
  heapUsedAfterHalfFloodMb: number;
  heapUsedAfterFloodMb: number;
  floodTokens: number;
  floodRequestsPerSecond: number;
  floodSuccessRate: number;
  verifiedTokenCacheEntries: number;
  verifiedTokenCacheMaxEntries: number;
  /** The stated bound on RSS growth over the flood's second half (the cache is full by then). */
  secondHalfGrowthBoundMb: number;
  secondHalfGrowthMb: number;
}

export interface HostileKidFigures {
  hostileRequests: number;
  hostileStatuses: Record<string, number>;
  seconds: number;
  jwksFetches: number;
  /** 1 + ceil(seconds / cooldown): at most one refetch per cooldown window. */
  jwksFetchBound: number;
  unknownKidCooldownSeconds: number;
  validRequests: number;
  validSuccessRate: number;
}

/** Written by twilio-auth0-client/bench (its results/latest.json); same shape there. */
export interface FunctionSideFigures {
  generatedAt: string;
  latency: Array<{
    id: 'memory' | 'sync' | 'cold';
    label: string;
    invocations: number;
    p50Ms: number;
    p99Ms: number;
    /** The function's call to secure-api (timed at its HTTP client). */
    apiP50Ms: number;
    /** Everything else: token from memory/Sync/Auth0, Twilio client, the function's own work. */
    otherP50Ms: number;
  }>;
  memoryHit: { invocations: number; syncReads: number; tokenRequests: number };
  rollover: {
    invocations: number;
    concurrency: number;
    tokenLifetimeSeconds: number;
    seconds: number;
    tokenRequests: number;
    syncReads: number;
    failures: number;
    sources: Record<string, number>;
  };
}

export interface TargetLine {
  label: string;
  value: number;
  /** How the value is shown: a ratio ('x'), a count or a share. */
  unit: 'x' | 'count' | 'share';
  comparison: '>=' | '==' | '<=';
  target: number;
  holds: boolean;
}

/** One database-throughput row: an operation against one database kind (no target). */
export interface DatabaseRow {
  database: 'sqlite' | 'postgres';
  operation: 'lookup' | 'insert' | 'idempotent-insert';
  label: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export interface BenchResults {
  generatedAt: string;
  totalSeconds: number;
  /** Length of each throughput run: warm-up, settling and measured alike. */
  runSeconds: number;
  /** Measured rounds per connection count (medians and per-round ratios reported). */
  rounds: Record<number, number>;
  machine: MachineDescription;
  throughput: ThroughputRow[];
  verify: VerifyRow[];
  memory: MemoryFigures;
  hostileKids: HostileKidFigures;
  functionSide: FunctionSideFigures | null;
  /** SQLite against PostgreSQL (absent in results written before that section existed). */
  databases?: DatabaseRow[];
  /** Section 6 (absent in results written before it existed). */
  dpop?: DpopFigures;
  targets: TargetLine[];
}
